#pragma once
/// Custom operators from C++: a kernel is a plain function over typed
/// tensors, and its schema (inputs, outputs, type constraints) is inferred
/// from the function's signature (the idea of ONNX Runtime's "lite" custom-op
/// API, except that the registry owns what is registered):
///
///   void foo(const Tensor<float>& x, Tensor<float>& y) {
///     auto out = y.allocate(x.shape());
///     std::copy(x.data().begin(), x.data().end(), out.begin());
///   }
///   runtime::CustomOpRegistry registry;
///   registry.add("devtech", "FooOp", foo);
///   runtime::SessionOptions options;
///   registry.configure(options);
///
/// Parameters, in any order (inputs and outputs are numbered in the order
/// they appear):
///   - `const Tensor<T>&`, `std::span<const T>`: a required input of element type T;
///   - `const std::optional<Tensor<T>>&`: an optional input;
///   - `const Value&`: a required input of any tensor type;
///   - `Tensor<T>&`: an output of element type T, allocated by `allocate(dims)`;
///   - `Value&`: an output of any type, assigned by the kernel (e.g. `out = in`).
///
/// Ops with attributes use the struct form: a type K constructible from
/// `const KernelInfo&` (it reads its attributes once, at session creation)
/// with a const member `compute(...)` taking parameters as above, registered
/// with `registry.add<K>("devtech", "ScaledGelu", options)`; the attributes
/// are declared in `OpOptions::attributes` so check and infer know them.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "onnxkit/core/data_type.h"
#include "onnxkit/core/error.h"
#include "onnxkit/runtime/kernel.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/value.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::runtime {

using onnxkit::data_type_of;  // (moved to core; kept here for custom-op code that names it)

/// A typed tensor of a custom kernel: an input (read-only view of a Value)
/// or an output (allocated by the kernel with the dims it decides).
template <typename T>
class Tensor {
  static_assert(data_type_of<T>() != DataType::kUndefined,
                "Tensor<T>: T must be a numeric type or bool");

 public:
  /// An input. Throws Error when `v` is not a tensor of T.
  explicit Tensor(const Value& v, std::size_t index = 0) : value_(&v) {
    if (v.dtype() != data_type_of<T>()) {
      fail("", "input " + std::to_string(index) + " is " + v.describe() + ", the kernel takes " +
                   std::string(data_type_name(data_type_of<T>())));
    }
  }
  /// Output `index` of a run, not yet allocated.
  Tensor(KernelContext& ctx, std::size_t index) : ctx_(&ctx), index_(index) {}

  /// Dims (of an output: once allocated).
  const Dims& shape() const { return get().dims(); }
  std::int64_t size() const { return get().size(); }
  std::span<const T> data() const { return get().template span<T>(); }
  const T& operator[](std::size_t i) const { return data()[i]; }
  const Value& value() const { return get(); }

  /// Allocates this output with `dims` (zero-filled) and returns its elements.
  std::span<T> allocate(Dims dims) {
    if (ctx_ == nullptr) fail("", "allocate() called on an input tensor");
    Value& out = ctx_->output(index_, data_type_of<T>(), std::move(dims));
    value_ = &out;
    return out.mutable_span<T>();
  }
  /// The elements of an allocated output.
  std::span<T> mutable_data() {
    if (ctx_ == nullptr || value_ == nullptr)
      fail("", "output " + std::to_string(index_) + " is not allocated");
    return const_cast<Value*>(value_)->mutable_span<T>();
  }

 private:
  const Value& get() const {
    if (value_ == nullptr) fail("", "output " + std::to_string(index_) + " read before allocate()");
    return *value_;
  }
  const Value* value_ = nullptr;
  KernelContext* ctx_ = nullptr;
  std::size_t index_ = 0;
};

/// What a registration declares besides the signature.
struct OpOptions {
  /// Names of the inputs and outputs in the schema (default X, X1, ... and Y, Y1, ...).
  std::vector<std::string> input_names, output_names;
  /// Attributes the op accepts (for check, and defaults in the schema).
  std::vector<schema::AttributeSpec> attributes;
  /// Type and shape inference for check and infer: a built-in rule id
  /// ("same_as_input_0", or an ONNX op name such as "Relu"), or empty.
  std::string inference;
  /// A function rule instead (takes precedence over `inference`).
  schema::InferenceFunction shape_function;
  /// The provider the kernel runs on (default "cpu"; "cuda" later).
  std::string provider = "cpu";
  /// Schema version of the op in its domain (default 1).
  std::int64_t since_version = 1;
  /// Declare a schema (default true). False: only the kernel is added (an
  /// op declared elsewhere, or a second kernel for other types).
  bool declare_schema = true;
};

namespace custom_op_detail {

enum class ParamKind { kInput, kOptionalInput, kAnyInput, kSpanInput, kOutput, kAnyOutput };

template <typename P>
struct Param {
  static_assert(sizeof(P) == 0,
                "a custom kernel parameter must be const Tensor<T>&, std::span<const T>, "
                "const std::optional<Tensor<T>>&, const Value&, Tensor<T>& or Value&");
};
template <typename T>
struct Param<const Tensor<T>&> {
  static constexpr ParamKind kind = ParamKind::kInput;
  static constexpr DataType dtype = data_type_of<T>();
};
template <typename T>
struct Param<Tensor<T>&> {
  static constexpr ParamKind kind = ParamKind::kOutput;
  static constexpr DataType dtype = data_type_of<T>();
};
template <typename T>
struct Param<std::span<const T>> {
  static constexpr ParamKind kind = ParamKind::kSpanInput;
  static constexpr DataType dtype = data_type_of<T>();
};
template <typename T>
struct Param<const std::optional<Tensor<T>>&> {
  static constexpr ParamKind kind = ParamKind::kOptionalInput;
  static constexpr DataType dtype = data_type_of<T>();
};
template <typename T>
struct Param<std::optional<Tensor<T>>> : Param<const std::optional<Tensor<T>>&> {};
template <>
struct Param<const Value&> {
  static constexpr ParamKind kind = ParamKind::kAnyInput;
  static constexpr DataType dtype = DataType::kUndefined;
};
template <>
struct Param<Value&> {
  static constexpr ParamKind kind = ParamKind::kAnyOutput;
  static constexpr DataType dtype = DataType::kUndefined;
};

constexpr bool is_output(ParamKind k) {
  return k == ParamKind::kOutput || k == ParamKind::kAnyOutput;
}

/// The signature of a function, lambda or const member function.
template <typename F>
struct Signature : Signature<decltype(&F::operator())> {};
template <typename R, typename... A>
struct Signature<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<A...>;
};
template <typename R, typename... A>
struct Signature<R(A...)> : Signature<R (*)(A...)> {};
template <typename C, typename R, typename... A>
struct Signature<R (C::*)(A...) const> : Signature<R (*)(A...)> {};
template <typename C, typename R, typename... A>
struct Signature<R (C::*)(A...)> : Signature<R (*)(A...)> {};

/// One parameter's description, for the schema and the kernel's type rules.
struct ParamInfo {
  ParamKind kind;
  DataType dtype;
};

template <typename Args, std::size_t... I>
constexpr auto param_infos(std::index_sequence<I...>) {
  return std::array<ParamInfo, sizeof...(I)>{ParamInfo{
      Param<std::tuple_element_t<I, Args>>::kind, Param<std::tuple_element_t<I, Args>>::dtype}...};
}

/// Index of parameter `k` among the inputs (or outputs) before it.
template <std::size_t N>
constexpr std::size_t slot_index(const std::array<ParamInfo, N>& params, std::size_t k) {
  std::size_t n = 0;
  for (std::size_t j = 0; j < k; ++j)
    n += is_output(params[j].kind) == is_output(params[k].kind) ? 1 : 0;
  return n;
}

/// The argument holder for parameter P at slot `index`.
template <typename P>
auto make_holder(KernelContext& ctx, std::size_t index) {
  using Info = Param<P>;
  if constexpr (Info::kind == ParamKind::kInput) {
    using T = typename std::remove_cvref_t<P>;
    return T(ctx.required_input(index), index);
  } else if constexpr (Info::kind == ParamKind::kSpanInput) {
    using E = typename P::element_type;
    return Tensor<std::remove_const_t<E>>(ctx.required_input(index), index);
  } else if constexpr (Info::kind == ParamKind::kOptionalInput) {
    using O = typename std::remove_cvref_t<P>;
    const Value* v = ctx.input(index);
    return v != nullptr && *v ? O(std::in_place, *v, index) : O();
  } else if constexpr (Info::kind == ParamKind::kAnyInput) {
    return &ctx.required_input(index);
  } else if constexpr (Info::kind == ParamKind::kOutput) {
    return std::remove_cvref_t<P>(ctx, index);
  } else {
    return Value();
  }
}

template <typename P, typename H>
decltype(auto) pass(H& holder) {
  using Info = Param<P>;
  if constexpr (Info::kind == ParamKind::kSpanInput) {
    return holder.data();
  } else if constexpr (Info::kind == ParamKind::kAnyInput) {
    return static_cast<const Value&>(*holder);
  } else {
    return static_cast<P>(holder);
  }
}

/// Calls `fn` with arguments made from `ctx`, then hands `Value&` outputs back.
template <typename Args, typename Fn, std::size_t... I>
void invoke(const Fn& fn, KernelContext& ctx, std::index_sequence<I...> seq) {
  static constexpr auto params = param_infos<Args>(seq);
  auto holders =
      std::make_tuple(make_holder<std::tuple_element_t<I, Args>>(ctx, slot_index(params, I))...);
  fn(pass<std::tuple_element_t<I, Args>>(std::get<I>(holders))...);
  (
      [&] {
        if constexpr (params[I].kind == ParamKind::kAnyOutput) {
          Value& v = std::get<I>(holders);
          if (v) ctx.set_output(slot_index(params, I), std::move(v));
        }
      }(),
      ...);
}

/// What the registry needs to know of a signature, without templates.
struct SignatureInfo {
  std::vector<ParamInfo> params;
};

template <typename Args>
SignatureInfo signature_info() {
  constexpr auto params = param_infos<Args>(std::make_index_sequence<std::tuple_size_v<Args>>());
  return SignatureInfo{std::vector<ParamInfo>(params.begin(), params.end())};
}

template <typename Fn>
class FunctionOpKernel final : public Kernel {
 public:
  explicit FunctionOpKernel(std::shared_ptr<const Fn> fn) : fn_(std::move(fn)) {}
  void run(KernelContext& ctx) const override {
    using Args = typename Signature<Fn>::Args;
    invoke<Args>(*fn_, ctx, std::make_index_sequence<std::tuple_size_v<Args>>());
  }

 private:
  std::shared_ptr<const Fn> fn_;
};

template <typename K>
class StructOpKernel final : public Kernel {
 public:
  explicit StructOpKernel(const KernelInfo& info) : op_(make(info)) {}
  void run(KernelContext& ctx) const override {
    using Args = typename Signature<decltype(&K::compute)>::Args;
    auto call = [this](auto&&... args) { op_.compute(std::forward<decltype(args)>(args)...); };
    invoke<Args>(call, ctx, std::make_index_sequence<std::tuple_size_v<Args>>());
  }

 private:
  static K make(const KernelInfo& info) {
    if constexpr (std::is_constructible_v<K, const KernelInfo&>) {
      return K(info);
    } else {
      (void)info;
      return K();
    }
  }
  K op_;
};

}  // namespace custom_op_detail

/// Custom operators: their schemas (over the ONNX ones), their kernels, and
/// the plug-in libraries they came from. Owns everything registered; a
/// Session configured from it (configure()) must not outlive it.
class CustomOpRegistry {
 public:
  CustomOpRegistry();
  ~CustomOpRegistry();
  CustomOpRegistry(const CustomOpRegistry&) = delete;
  CustomOpRegistry& operator=(const CustomOpRegistry&) = delete;

  /// Registers a kernel function; its schema is inferred from the signature
  /// (see the top of this file). Throws Error on a duplicate (domain, op,
  /// provider), naming who registered it first.
  template <typename Fn>
  void add(std::string domain, std::string op, Fn fn, OpOptions options = {}) {
    using Sig = custom_op_detail::Signature<std::decay_t<Fn>>;
    static_assert(std::is_void_v<typename Sig::Result>,
                  "a custom kernel returns void; outputs are parameters");
    auto shared = std::make_shared<const std::decay_t<Fn>>(std::move(fn));
    PrepareFn prepare = [shared](const KernelInfo&) -> std::unique_ptr<Kernel> {
      return std::make_unique<custom_op_detail::FunctionOpKernel<std::decay_t<Fn>>>(shared);
    };
    add_typed(std::move(domain), std::move(op),
              custom_op_detail::signature_info<typename Sig::Args>(), std::move(prepare),
              std::move(options));
  }

  /// Registers the struct form: K(const KernelInfo&) reads attributes once
  /// per node; `K::compute(...) const` runs.
  template <typename K>
  void add(std::string domain, std::string op, OpOptions options = {}) {
    using Sig = custom_op_detail::Signature<decltype(&K::compute)>;
    static_assert(std::is_void_v<typename Sig::Result>,
                  "K::compute returns void; outputs are parameters");
    PrepareFn prepare = [](const KernelInfo& info) -> std::unique_ptr<Kernel> {
      return std::make_unique<custom_op_detail::StructOpKernel<K>>(info);
    };
    add_typed(std::move(domain), std::move(op),
              custom_op_detail::signature_info<typename Sig::Args>(), std::move(prepare),
              std::move(options));
  }

  /// A kernel in the KernelContext form (any number of inputs and outputs),
  /// and no schema unless `options.declare_schema` and the op has one
  /// declared by `schemas()`.
  void add_kernel(KernelDef def, std::string origin = "C++");

  /// Loads a plug-in library (onnxkit/plugin/onnxkit_plugin.h) and registers
  /// what it declares. Throws Error (located at `path`) when the file cannot
  /// be loaded, lacks the entry point, speaks another ABI version, fails, or
  /// registers an op already registered; then nothing of it is kept.
  void load_library(const std::string& path);

  /// Paths of the libraries loaded, in order.
  const std::vector<std::string>& libraries() const noexcept;

  /// Custom schemas (falling back to the ONNX ones); add JSON or C++ schemas here.
  schema::SchemaRegistry& schemas() noexcept;
  const schema::SchemaRegistry& schemas() const noexcept;
  /// Custom kernels.
  KernelRegistry& kernels() noexcept;
  const KernelRegistry& kernels() const noexcept;

  /// Points `options` at these kernels and schemas.
  void configure(SessionOptions& options) const;

  /// Who registered (domain, op) for `provider` ("C++", "python", a library path); empty if none.
  std::string origin(std::string_view domain, std::string_view op,
                     std::string_view provider = "cpu") const;

  /// The schema a signature implies (exposed for tests and for Python).
  static schema::OpSchema schema_from_signature(const std::string& domain, const std::string& op,
                                                const custom_op_detail::SignatureInfo& signature,
                                                const OpOptions& options);

  struct Impl;

 private:
  void add_typed(std::string domain, std::string op,
                 const custom_op_detail::SignatureInfo& signature, PrepareFn prepare,
                 OpOptions options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onnxkit::runtime
