// Tensor::disconnect_consumers() / disconnect_producers(): the tensor side of
// onnx-graphsurgeon's synchronized lists (`tensor.outputs.clear()`).

#include <algorithm>

#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor.h"

namespace onnxkit::ir {

void Tensor::disconnect_consumers() {
  while (!consumers_.empty()) {
    Node* node = consumers_.back();
    const auto& ins = node->inputs();
    for (std::size_t k = ins.size(); k-- > 0;) {
      if (ins[k] == this) node->remove_input(k);
    }
    if (!consumers_.empty() && consumers_.back() == node &&
        std::find(ins.begin(), ins.end(), this) == ins.end()) {
      consumers_.pop_back();  // never loop on a link that is not true
    }
  }
}

void Tensor::disconnect_producers() {
  while (!producers_.empty()) {
    Node* node = producers_.back();
    const auto& outs = node->outputs();
    for (std::size_t k = outs.size(); k-- > 0;) {
      if (outs[k] == this) node->remove_output(k);
    }
    if (!producers_.empty() && producers_.back() == node &&
        std::find(outs.begin(), outs.end(), this) == outs.end()) {
      producers_.pop_back();
    }
  }
}

}  // namespace onnxkit::ir
