// Recurrent layers: RNN, GRU and LSTM (every version: 1 through 22; layout
// arrived in 14 and defaults to 0 before). Reference kernels that step
// through time one batch entry at a time, computing in double.
//
// Shared layout (layout = 0): X [seq, batch, input], W [dirs, G*H, input],
// R [dirs, G*H, H], B [dirs, 2*G*H] (W biases then R biases),
// sequence_lens [batch], initial_h [dirs, batch, H]; outputs Y [seq, dirs,
// batch, H] and Y_h [dirs, batch, H] (LSTM: initial_c, P [dirs, 3H], Y_c).
// layout = 1 swaps the first two dims of X, Y, initial_h/c, Y_h/c: batch first.

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kX = 0;
constexpr std::size_t kW = 1;
constexpr std::size_t kR = 2;
constexpr std::size_t kB = 3;
constexpr std::size_t kSequenceLens = 4;
constexpr std::size_t kInitialH = 5;
constexpr std::size_t kInitialC = 6;  // LSTM
constexpr std::size_t kP = 7;         // LSTM peepholes
constexpr std::size_t kY = 0;
constexpr std::size_t kYh = 1;
constexpr std::size_t kYc = 2;

enum class CellKind { kRnn, kGru, kLstm };

using Activation = std::function<double(double)>;

/// An activation by its ONNX name, with alpha/beta taken from the front of
/// the given lists when the function has parameters (the lists are consumed
/// in order, as the operator defines).
Activation make_activation(const std::string& name, std::vector<float>& alphas,
                           std::vector<float>& betas, const KernelInfo& info) {
  auto take = [](std::vector<float>& v, double fallback) {
    if (v.empty()) return fallback;
    const double x = v.front();
    v.erase(v.begin());
    return x;
  };
  if (name == "Tanh") return [](double x) { return std::tanh(x); };
  if (name == "Sigmoid") return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  if (name == "Relu") return [](double x) { return std::max(x, 0.0); };
  if (name == "Softsign") return [](double x) { return x / (1.0 + std::abs(x)); };
  if (name == "Softplus") return [](double x) { return std::log1p(std::exp(x)); };
  if (name == "Affine") {
    const double a = take(alphas, 1.0), b = take(betas, 0.0);
    return [a, b](double x) { return a * x + b; };
  }
  if (name == "LeakyRelu") {
    const double a = take(alphas, 0.01);
    return [a](double x) { return x >= 0 ? x : a * x; };
  }
  if (name == "ThresholdedRelu") {
    const double a = take(alphas, 1.0);
    return [a](double x) { return x > a ? x : 0.0; };
  }
  if (name == "ScaledTanh") {
    const double a = take(alphas, 1.0), b = take(betas, 1.0);
    return [a, b](double x) { return a * std::tanh(b * x); };
  }
  if (name == "HardSigmoid") {
    const double a = take(alphas, 0.2), b = take(betas, 0.5);
    return [a, b](double x) { return std::clamp(a * x + b, 0.0, 1.0); };
  }
  if (name == "Elu") {
    const double a = take(alphas, 1.0);
    return [a](double x) { return x >= 0 ? x : a * (std::exp(x) - 1.0); };
  }
  info.fail("unknown activation '" + name + "'");
}

struct RnnParams {
  CellKind kind = CellKind::kRnn;
  std::int64_t hidden = 0;
  int directions = 1;
  bool reverse_only = false;  ///< direction = reverse
  bool layout_batch_first = false;
  bool linear_before_reset = false;  ///< GRU
  bool input_forget = false;         ///< LSTM: couple the forget gate to the input gate
  double clip = 0;                   ///< 0: no clipping
  std::vector<Activation> f;         ///< per direction: the activations of one cell
};

int gate_count(CellKind k) { return k == CellKind::kRnn ? 1 : k == CellKind::kGru ? 3 : 4; }

std::size_t activations_per_cell(CellKind k) {
  return k == CellKind::kRnn ? 1 : k == CellKind::kGru ? 2 : 3;
}

/// Row-major [a, b, c] <-> [b, a, c].
std::vector<double> swap01(const std::vector<double>& v, std::int64_t a, std::int64_t b,
                           std::int64_t c) {
  std::vector<double> out(v.size());
  for (std::int64_t i = 0; i < a; ++i)
    for (std::int64_t j = 0; j < b; ++j)
      for (std::int64_t k = 0; k < c; ++k)
        out[static_cast<std::size_t>((j * a + i) * c + k)] =
            v[static_cast<std::size_t>((i * b + j) * c + k)];
  return out;
}

template <typename T>
std::vector<double> doubles(const Value& v) {
  const auto s = v.span<T>();
  std::vector<double> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    out[i] = static_cast<double>(static_cast<compute_t<T>>(s[i]));
  return out;
}

class RnnKernel final : public Kernel {
 public:
  explicit RnnKernel(RnnParams p) : p_(std::move(p)) {}

  void run(KernelContext& ctx) const override {
    visit_float(ctx.required_input(kX).dtype(),
                [&](auto tag) { run_typed<typename decltype(tag)::type>(ctx); });
  }

 private:
  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Value& xv = ctx.required_input(kX);
    const Value& wv = ctx.required_input(kW);
    const Value& rv = ctx.required_input(kR);
    const std::int64_t H = p_.hidden, G = gate_count(p_.kind), D = p_.directions;
    if (xv.rank() != 3 || wv.rank() != 3 || rv.rank() != 3) fail("", "X, W and R must be 3-D");
    const std::int64_t seq = p_.layout_batch_first ? xv.dims()[1] : xv.dims()[0];
    const std::int64_t batch = p_.layout_batch_first ? xv.dims()[0] : xv.dims()[1];
    const std::int64_t in = xv.dims()[2];
    if (wv.dims() != Dims{D, G * H, in} || rv.dims() != Dims{D, G * H, H}) {
      fail("", "W " + wv.describe() + " / R " + rv.describe() + " do not fit " + std::to_string(D) +
                   " direction(s), hidden_size " + std::to_string(H) + " and input size " +
                   std::to_string(in));
    }
    std::vector<double> x = doubles<T>(xv);
    if (p_.layout_batch_first) x = swap01(x, batch, seq, in);
    const std::vector<double> w = doubles<T>(wv), r = doubles<T>(rv);
    std::vector<double> bias(static_cast<std::size_t>(D * 2 * G * H), 0.0);
    if (const Value* b = ctx.input(kB)) {
      if (b->size() != D * 2 * G * H)
        fail("", "B " + b->describe() + " must be [dirs, 2*G*hidden_size]");
      bias = doubles<T>(*b);
    }
    std::vector<std::int64_t> lens(static_cast<std::size_t>(batch), seq);
    if (const Value* sl = ctx.input(kSequenceLens)) {
      lens = to_int64_vector(*sl);
      if (static_cast<std::int64_t>(lens.size()) != batch)
        fail("", "sequence_lens must have one entry per batch");
      for (auto& l : lens) {
        if (l < 0 || l > seq)
          fail("", "sequence_lens entry " + std::to_string(l) + " is outside [0, " +
                       std::to_string(seq) + "]");
      }
    }
    auto state = [&](std::size_t idx) {
      std::vector<double> s(static_cast<std::size_t>(D * batch * H), 0.0);
      if (const Value* v = ctx.input(idx)) {
        if (v->size() != D * batch * H)
          fail("", "initial state " + v->describe() + " must hold dirs*batch*hidden_size values");
        s = doubles<T>(*v);
        if (p_.layout_batch_first) s = swap01(s, batch, D, H);
      }
      return s;
    };
    std::vector<double> h = state(kInitialH);
    std::vector<double> c = p_.kind == CellKind::kLstm ? state(kInitialC) : std::vector<double>{};
    std::vector<double> peep(static_cast<std::size_t>(D * 3 * H), 0.0);
    if (p_.kind == CellKind::kLstm) {
      if (const Value* pv = ctx.input(kP)) {
        if (pv->size() != D * 3 * H)
          fail("", "P " + pv->describe() + " must be [dirs, 3*hidden_size]");
        peep = doubles<T>(*pv);
      }
    }
    std::vector<double> y(static_cast<std::size_t>(seq * D * batch * H), 0.0);

    std::vector<double> gx(static_cast<std::size_t>(G * H)), gh(static_cast<std::size_t>(G * H));
    for (std::int64_t d = 0; d < D; ++d) {
      const bool reverse = p_.reverse_only || d == 1;
      const double* W = w.data() + d * G * H * in;
      const double* R = r.data() + d * G * H * H;
      const double* Wb = bias.data() + d * 2 * G * H;
      const double* Rb = Wb + G * H;
      const double* P = peep.data() + d * 3 * H;
      const std::size_t fa = static_cast<std::size_t>(d) * activations_per_cell(p_.kind);
      for (std::int64_t b = 0; b < batch; ++b) {
        double* hb = h.data() + (d * batch + b) * H;
        double* cb = c.empty() ? nullptr : c.data() + (d * batch + b) * H;
        const std::int64_t len = lens[static_cast<std::size_t>(b)];
        for (std::int64_t step = 0; step < len; ++step) {
          const std::int64_t t = reverse ? len - 1 - step : step;
          const double* xt = x.data() + (t * batch + b) * in;
          for (std::int64_t g = 0; g < G * H; ++g) {
            double sx = Wb[g], sh = Rb[g];
            for (std::int64_t k = 0; k < in; ++k) sx += W[g * in + k] * xt[k];
            for (std::int64_t k = 0; k < H; ++k) sh += R[g * H + k] * hb[k];
            gx[static_cast<std::size_t>(g)] = sx;
            gh[static_cast<std::size_t>(g)] = sh;
          }
          step_cell(fa, H, gx, gh, R, Rb, P, hb, cb);
          double* yt = y.data() + ((t * D + d) * batch + b) * H;
          std::copy(hb, hb + H, yt);
        }
      }
    }
    write_outputs<T>(ctx, xv.dtype(), seq, batch, y, h, c);
  }

  double clip(double v) const { return p_.clip > 0 ? std::clamp(v, -p_.clip, p_.clip) : v; }

  /// One time step for one batch entry: gx = W x + Wb, gh = R h + Rb (per
  /// gate); updates h (and c) in place.
  void step_cell(std::size_t fa, std::int64_t H, const std::vector<double>& gx,
                 const std::vector<double>& gh, const double* R, const double* Rb, const double* P,
                 double* h, double* c) const {
    const auto& f = p_.f;
    auto at = [](std::int64_t gate, std::int64_t H_, std::int64_t j) {
      return static_cast<std::size_t>(gate * H_ + j);
    };
    switch (p_.kind) {
      case CellKind::kRnn:
        for (std::int64_t j = 0; j < H; ++j) h[j] = f[fa](clip(gx[at(0, H, j)] + gh[at(0, H, j)]));
        return;
      case CellKind::kGru: {
        // Gates z, r, h.
        std::vector<double> z(static_cast<std::size_t>(H)), rr(static_cast<std::size_t>(H)),
            hh(static_cast<std::size_t>(H));
        for (std::int64_t j = 0; j < H; ++j) {
          z[static_cast<std::size_t>(j)] = f[fa](clip(gx[at(0, H, j)] + gh[at(0, H, j)]));
          rr[static_cast<std::size_t>(j)] = f[fa](clip(gx[at(1, H, j)] + gh[at(1, H, j)]));
        }
        for (std::int64_t j = 0; j < H; ++j) {
          double recur;
          if (p_.linear_before_reset) {
            recur = rr[static_cast<std::size_t>(j)] * gh[at(2, H, j)];
          } else {
            recur = Rb[2 * H + j];
            for (std::int64_t k = 0; k < H; ++k)
              recur += R[(2 * H + j) * H + k] * rr[static_cast<std::size_t>(k)] * h[k];
          }
          hh[static_cast<std::size_t>(j)] = f[fa + 1](clip(gx[at(2, H, j)] + recur));
        }
        for (std::int64_t j = 0; j < H; ++j) {
          const double zj = z[static_cast<std::size_t>(j)];
          h[j] = (1.0 - zj) * hh[static_cast<std::size_t>(j)] + zj * h[j];
        }
        return;
      }
      case CellKind::kLstm: {
        // Gates i, o, f, c; peepholes i, o, f.
        for (std::int64_t j = 0; j < H; ++j) {
          const double cp = c[j];
          const double i = f[fa](clip(gx[at(0, H, j)] + gh[at(0, H, j)] + P[j] * cp));
          const double fg =
              p_.input_forget ? 1.0 - i
                              : f[fa](clip(gx[at(2, H, j)] + gh[at(2, H, j)] + P[2 * H + j] * cp));
          const double cand = f[fa + 1](clip(gx[at(3, H, j)] + gh[at(3, H, j)]));
          const double cn = fg * cp + i * cand;
          const double o = f[fa](clip(gx[at(1, H, j)] + gh[at(1, H, j)] + P[H + j] * cn));
          c[j] = cn;
          h[j] = o * f[fa + 2](cn);
        }
        return;
      }
    }
  }

  template <typename T>
  void write_outputs(KernelContext& ctx, DataType dtype, std::int64_t seq, std::int64_t batch,
                     const std::vector<double>& y, const std::vector<double>& h,
                     const std::vector<double>& c) const {
    const std::int64_t D = p_.directions, H = p_.hidden;
    auto store = [&](std::size_t index, Dims dims, const std::vector<double>& v) {
      if (!ctx.output_wanted(index)) return;
      auto dst = ctx.output(index, dtype, std::move(dims)).template mutable_span<T>();
      for (std::size_t i = 0; i < v.size(); ++i)
        dst[i] = static_cast<T>(static_cast<compute_t<T>>(v[i]));
    };
    if (p_.layout_batch_first) {
      // Y [seq, D, batch, H] -> [batch, seq, D, H]
      std::vector<double> yb(y.size());
      for (std::int64_t t = 0; t < seq; ++t)
        for (std::int64_t d = 0; d < D; ++d)
          for (std::int64_t b = 0; b < batch; ++b)
            for (std::int64_t j = 0; j < H; ++j)
              yb[static_cast<std::size_t>(((b * seq + t) * D + d) * H + j)] =
                  y[static_cast<std::size_t>(((t * D + d) * batch + b) * H + j)];
      store(kY, {batch, seq, D, H}, yb);
      store(kYh, {batch, D, H}, swap01(h, D, batch, H));
      if (p_.kind == CellKind::kLstm) store(kYc, {batch, D, H}, swap01(c, D, batch, H));
    } else {
      store(kY, {seq, D, batch, H}, y);
      store(kYh, {D, batch, H}, h);
      if (p_.kind == CellKind::kLstm) store(kYc, {D, batch, H}, c);
    }
  }

  RnnParams p_;
};

std::unique_ptr<Kernel> rnn_prepare(const KernelInfo& info, CellKind kind) {
  RnnParams p;
  p.kind = kind;
  p.hidden = info.attr_int("hidden_size", 0);
  if (p.hidden <= 0) info.fail("hidden_size must be given and positive");
  const std::string direction = info.attr_string("direction", "forward");
  if (direction == "bidirectional")
    p.directions = 2;
  else if (direction == "reverse")
    p.reverse_only = true;
  else if (direction != "forward")
    info.fail("direction must be forward, reverse or bidirectional, got '" + direction + "'");
  p.layout_batch_first = info.attr_int("layout", 0) != 0;
  p.linear_before_reset = info.attr_int("linear_before_reset", 0) != 0;
  p.input_forget = info.attr_int("input_forget", 0) != 0;
  p.clip = info.has_attr("clip") ? info.attr_float("clip", 0) : 0.0;
  std::vector<std::string> names;
  if (const ir::Attribute* a = info.attr("activations")) names = a->strings;
  const std::size_t per_cell = activations_per_cell(kind);
  if (names.empty()) {
    const std::vector<std::string> defaults =
        kind == CellKind::kRnn   ? std::vector<std::string>{"Tanh"}
        : kind == CellKind::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                 : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int d = 0; d < p.directions; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != per_cell * static_cast<std::size_t>(p.directions)) {
    info.fail("activations needs " +
              std::to_string(per_cell * static_cast<std::size_t>(p.directions)) + " names, got " +
              std::to_string(names.size()));
  }
  std::vector<float> alphas = info.attr_floats("activation_alpha"),
                     betas = info.attr_floats("activation_beta");
  for (const std::string& n : names) p.f.push_back(make_activation(n, alphas, betas, info));
  return std::make_unique<RnnKernel>(std::move(p));
}

}  // namespace

void register_rnn_kernels(KernelRegistry& r) {
  const std::pair<const char*, CellKind> cells[] = {
      {"RNN", CellKind::kRnn}, {"GRU", CellKind::kGru}, {"LSTM", CellKind::kLstm}};
  for (const auto& [name, kind] : cells) {
    KernelDef def;
    def.op = name;
    def.since_version = 1;
    def.types = {TypeRule{kX, kFloatTypes}};
    def.prepare = [kind = kind](const KernelInfo& info) { return rnn_prepare(info, kind); };
    r.add(std::move(def));
  }
}

}  // namespace onnxkit::runtime
