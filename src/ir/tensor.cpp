#include "onnxkit/ir/tensor.h"

#include "block_pool.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {

void* Tensor::operator new(std::size_t size) {
  return detail::pool_allocate(detail::kTensorPool, size);
}

void Tensor::operator delete(void* p) noexcept { detail::pool_deallocate(detail::kTensorPool, p); }

void* ValueInfo::operator new(std::size_t size) {
  return detail::pool_allocate(detail::kValueInfoPool, size);
}

void ValueInfo::operator delete(void* p) noexcept {
  detail::pool_deallocate(detail::kValueInfoPool, p);
}

Tensor::~Tensor() { reset_payload(); }

void Tensor::reset_payload(void* payload, bool sparse) noexcept {
  if (sparse_) {
    delete static_cast<SparseTensorData*>(payload_);
  } else {
    delete static_cast<TensorData*>(payload_);
  }
  payload_ = payload;
  sparse_ = sparse;
}

void Tensor::set_name(std::string name) {
  if (graph_ != nullptr) {
    graph_->rename_tensor(this, std::move(name));
  } else {
    name_ = std::move(name);
  }
}

ValueInfo& Tensor::info() {
  // Default- rather than value-initialized: every member has its own
  // initializer, so zeroing the 400 bytes first would be wasted.
  if (!info_) info_.reset(new ValueInfo);
  return *info_;
}

const ValueInfo& Tensor::info() const noexcept {
  static const ValueInfo kNone;
  return info_ ? *info_ : kNone;
}

std::optional<Type> Tensor::type() const {
  if (info_ && info_->type) return info_->type;
  if (const TensorData* data = this->data()) {
    Shape dims;
    dims.reserve(data->dims.size());
    for (std::int64_t d : data->dims) dims.push_back(Dim::of(d));
    return Type::tensor(data->data_type, std::move(dims));
  }
  if (const SparseTensorData* sparse = sparse_data()) {
    Shape dims;
    for (std::int64_t d : sparse->dims) dims.push_back(Dim::of(d));
    Type t = Type::tensor(sparse->values.data_type, std::move(dims));
    t.kind = Type::Kind::kSparseTensor;
    return t;
  }
  return std::nullopt;
}

DataType Tensor::dtype() const {
  if (info_ && info_->type &&
      (info_->type->kind == Type::Kind::kTensor ||
       info_->type->kind == Type::Kind::kSparseTensor)) {
    return info_->type->elem_type;
  }
  if (const TensorData* data = this->data()) return data->data_type;
  if (const SparseTensorData* sparse = sparse_data()) return sparse->values.data_type;
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
  reset_payload(new TensorData(std::move(data)));
}

void Tensor::to_constant(SparseTensorData data) {
  kind_ = Kind::kConstant;
  reset_payload(new SparseTensorData(std::move(data)), true);
}

void Tensor::to_variable() {
  if (!info_ || !info_->type) {
    std::optional<Type> t = type();
    if (t) info().type = std::move(t);
  }
  kind_ = Kind::kVariable;
  reset_payload();
}

}  // namespace onnxkit::ir

#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(onnxkit::ir::Tensor) <= 104,
              "Tensor grew: see docs/ARCHITECTURE.md, memory layout");
#endif
