// TensorProto rules: a known data type, exactly one data field (the one the
// type calls for) holding as many values as the dims need, and for external
// data a reference that stays inside the model's folder and fits its file.

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "check/context.h"
#include "onnxkit/core/error.h"

namespace onnxkit::check::detail {

namespace {

namespace fs = std::filesystem;

/// The typed field a data type's values go in when not in raw_data, and how
/// many entries of it one element takes (0: no fixed count is checked).
struct TypedField {
  const char* name;
  std::size_t per_element;
};

std::optional<TypedField> typed_field(DataType t) {
  switch (t) {
    case DataType::kFloat:
      return TypedField{"float_data", 1};
    case DataType::kComplex64:
      return TypedField{"float_data", 2};
    case DataType::kDouble:
      return TypedField{"double_data", 1};
    case DataType::kComplex128:
      return TypedField{"double_data", 2};
    case DataType::kInt32:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kUint16:
    case DataType::kUint8:
    case DataType::kBool:
    case DataType::kFloat16:
    case DataType::kBfloat16:
      return TypedField{"int32_data", 1};
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
    case DataType::kUint4:
    case DataType::kInt4:
    case DataType::kFloat4E2M1:
    case DataType::kUint2:
    case DataType::kInt2:
      return TypedField{"int32_data", 0};
    case DataType::kInt64:
      return TypedField{"int64_data", 1};
    case DataType::kUint32:
    case DataType::kUint64:
      return TypedField{"uint64_data", 1};
    case DataType::kString:
      return TypedField{"string_data", 1};
    case DataType::kUndefined:
      break;
  }
  return std::nullopt;
}

std::string tensor_label(const ir::TensorData& d) {
  return d.name.empty() ? std::string("the tensor") : "tensor '" + d.name + "'";
}

}  // namespace

void Context::check_tensor_data(const ir::TensorData& d, const Where& location) {
  const auto code = static_cast<std::int32_t>(d.data_type);
  if (d.data_type == DataType::kUndefined) {
    error(location(), tensor_label(d) + " has no data type (data_type UNDEFINED is not allowed)");
    return;
  }
  if (!data_type_known(code)) {
    error(location(), tensor_label(d) + " has an unknown data type " + std::to_string(code));
    return;
  }
  bool dims_ok = true;
  for (std::int64_t dim : d.dims) {
    if (dim < 0) {
      error(location(), tensor_label(d) + " has a negative dim (" + std::to_string(dim) + ")");
      dims_ok = false;
    }
  }

  struct Field {
    const char* name;
    std::size_t size;
  };
  const Field fields[] = {
      {"float_data", d.float_data.size()},   {"int32_data", d.int32_data.size()},
      {"string_data", d.string_data.size()}, {"int64_data", d.int64_data.size()},
      {"raw_data", d.raw_data.size()},       {"double_data", d.double_data.size()},
      {"uint64_data", d.uint64_data.size()},
  };
  int used = 0;
  const Field* used_field = nullptr;
  for (const Field& f : fields) {
    if (f.size != 0) {
      ++used;
      used_field = &f;
    }
  }

  if (d.is_external()) {
    if (used != 0) {
      error(location(), tensor_label(d) + " is stored externally but also holds " +
                            used_field->name + " (an external tensor has no data field)");
    }
    ir::ExternalDataRef ref;
    try {
      ref = d.external_ref();
    } catch (const Error& e) {
      error(location() + " › external data", e.message());
      return;
    }
    const fs::path rel(ref.location);
    bool escapes = rel.is_absolute();
    for (const auto& part : rel) escapes = escapes || part == "..";
    if (escapes) {
      error(location() + " › external data",
            "location '" + ref.location +
                "' leaves the model's folder (absolute or with '..'); external data must be a "
                "relative path inside it");
      return;
    }
    const auto needed = d.byte_size();
    if (ref.length && needed && dims_ok && *ref.length != *needed) {
      error(location() + " › external data",
            "length " + std::to_string(*ref.length) + " does not match the " +
                std::to_string(*needed) + " bytes that " +
                std::string(data_type_name(d.data_type)) + " data of these dims take");
    }
    if (!options().check_external_files || model().path.empty()) return;
    const fs::path dir = model().path.parent_path();
    const fs::path file = dir / rel;
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    if (ec || !fs::exists(st)) {
      error(location() + " › external data", "file '" + ref.location +
                                                 "' does not exist next to the model (looked for " +
                                                 file.string() + ")");
      return;
    }
    if (!fs::is_regular_file(st)) {
      error(location() + " › external data", "'" + ref.location + "' is not a regular file");
      return;
    }
    const fs::path real_dir = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir, ec);
    const fs::path real_file = fs::weakly_canonical(file, ec);
    if (!ec) {
      auto rd = real_dir.begin();
      auto rf = real_file.begin();
      for (; rd != real_dir.end() && rf != real_file.end() && *rd == *rf; ++rd, ++rf) {
      }
      if (rd != real_dir.end()) {
        error(location() + " › external data",
              "'" + ref.location + "' resolves (through a link) outside the model's folder, to " +
                  real_file.string());
        return;
      }
    }
    const auto size = fs::file_size(file, ec);
    if (!ec) {
      const std::uint64_t length = ref.length ? *ref.length : (needed ? *needed : 0);
      if (ref.offset > size || length > size - ref.offset) {
        error(location() + " › external data", "offset " + std::to_string(ref.offset) +
                                                   " + length " + std::to_string(length) +
                                                   " runs past the end of '" + ref.location +
                                                   "' (" + std::to_string(size) + " bytes)");
      }
    }
    return;
  }

  if (!dims_ok) return;
  const std::uint64_t n = d.element_count();
  if (n == 0) {
    if (used != 0) {
      error(location(), tensor_label(d) + " has no elements but holds " + used_field->name);
    }
    return;
  }
  if (used != 1) {
    error(location(), tensor_label(d) +
                          (used == 0 ? " holds no data" : " holds data in more than one field") +
                          " (a tensor with elements needs exactly one data field)");
    return;
  }
  if (d.has_raw_data && !d.raw_data.empty()) {
    if (d.data_type == DataType::kString) {
      error(location(), tensor_label(d) + ": string data cannot be stored in raw_data");
      return;
    }
    const auto needed = d.byte_size();
    if (needed && *needed != d.raw_data.size()) {
      error(location(), tensor_label(d) + " holds " + std::to_string(d.raw_data.size()) +
                            " bytes of raw_data; " + std::string(data_type_name(d.data_type)) +
                            " data of these dims take " + std::to_string(*needed));
    }
    return;
  }
  const auto expected = typed_field(d.data_type);
  if (!expected) return;
  if (std::string_view(expected->name) != used_field->name) {
    error(location(), tensor_label(d) + ": values of type " +
                          std::string(data_type_name(d.data_type)) + " belong in " +
                          expected->name + ", not " + used_field->name);
    return;
  }
  if (expected->per_element != 0 && used_field->size != n * expected->per_element) {
    error(location(), tensor_label(d) + " holds " + std::to_string(used_field->size) +
                          " values in " + used_field->name + "; its dims need " +
                          std::to_string(n * expected->per_element));
  }
}

void Context::check_sparse_data(const ir::SparseTensorData& s, const Where& location) {
  if (!s.has_values) {
    error(location(), "the sparse tensor has no values");
    return;
  }
  check_tensor_data(s.values, location() + " › values");
  if (s.values.dims.size() != 1) {
    error(location(), "the values of a sparse tensor must have rank 1");
    return;
  }
  if (s.dims.empty()) {
    error(location(), "a sparse tensor must have a rank above 0");
    return;
  }
  if (!s.has_indices) return;
  check_tensor_data(s.indices, location() + " › indices");
  const std::int64_t nnz = s.values.dims[0];
  const auto& idims = s.indices.dims;
  const bool rank1 = idims.size() == 1 && idims[0] == nnz;
  const bool rank2 =
      idims.size() == 2 && idims[0] == nnz && idims[1] == static_cast<std::int64_t>(s.dims.size());
  if (!rank1 && !rank2) {
    error(location(), "the indices of a sparse tensor must have shape [NNZ] or [NNZ, rank]");
  }
}

}  // namespace onnxkit::check::detail
