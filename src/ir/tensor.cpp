#include "onnxkit/ir/tensor.h"

#include "block_pool.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {

void* Tensor::operator new(std::size_t size) {
  return detail::pool_allocate(detail::kTensorPool, size);
}

void Tensor::operator delete(void* p) noexcept { detail::pool_deallocate(detail::kTensorPool, p); }

void Tensor::set_name(std::string name) {
  if (graph_ != nullptr) {
    graph_->rename_tensor(this, std::move(name));
  } else {
    name_ = std::move(name);
  }
}

ValueInfo& Tensor::info() {
  if (!info_) info_ = std::make_unique<ValueInfo>();
  return *info_;
}

const ValueInfo& Tensor::info() const noexcept {
  static const ValueInfo kNone;
  return info_ ? *info_ : kNone;
}

std::optional<Type> Tensor::type() const {
  if (info_ && info_->type) return info_->type;
  if (data_) {
    Shape dims;
    dims.reserve(data_->dims.size());
    for (std::int64_t d : data_->dims) dims.push_back(Dim::of(d));
    return Type::tensor(data_->data_type, std::move(dims));
  }
  if (sparse_) {
    Shape dims;
    for (std::int64_t d : sparse_->dims) dims.push_back(Dim::of(d));
    Type t = Type::tensor(sparse_->values.data_type, std::move(dims));
    t.kind = Type::Kind::kSparseTensor;
    return t;
  }
  return std::nullopt;
}

DataType Tensor::dtype() const {
  if (info_ && info_->type &&
      (info_->type->kind == Type::Kind::kTensor || info_->type->kind == Type::Kind::kSparseTensor)) {
    return info_->type->elem_type;
  }
  if (data_) return data_->data_type;
  if (sparse_) return sparse_->values.data_type;
  return DataType::kUndefined;
}

std::optional<Shape> Tensor::shape() const {
  std::optional<Type> t = type();
  if (!t || !t->shape) return std::nullopt;
  return t->shape->dims;
}

void Tensor::to_constant(TensorData data) {
  kind_ = Kind::kConstant;
  data.name = name_;
  data_ = std::make_unique<TensorData>(std::move(data));
  sparse_.reset();
}

void Tensor::to_constant(SparseTensorData data) {
  kind_ = Kind::kConstant;
  sparse_ = std::make_unique<SparseTensorData>(std::move(data));
  data_.reset();
}

void Tensor::to_variable() {
  if (!info_ || !info_->type) {
    std::optional<Type> t = type();
    if (t) info().type = std::move(t);
  }
  kind_ = Kind::kVariable;
  data_.reset();
  sparse_.reset();
}

}  // namespace onnxkit::ir
