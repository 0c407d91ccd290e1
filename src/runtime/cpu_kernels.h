#pragma once
// The CPU provider's kernel families, one registration function per file
// (kernels_<family>.cpp). cpu_provider.cpp calls them all once.

#include "onnxkit/runtime/kernel.h"

namespace onnxkit::runtime {

void register_elementwise_kernels(KernelRegistry& r);       // kernels_elementwise.cpp
void register_unary_kernels(KernelRegistry& r);             // kernels_unary.cpp
void register_tensor_kernels(KernelRegistry& r);            // kernels_tensor.cpp
void register_shape_kernels(KernelRegistry& r);             // kernels_shape.cpp
void register_math_kernels(KernelRegistry& r);              // kernels_math.cpp
void register_nn_kernels(KernelRegistry& r);                // kernels_nn.cpp
void register_reduce_kernels(KernelRegistry& r);            // kernels_reduce.cpp
void register_loss_kernels(KernelRegistry& r);              // kernels_loss.cpp
void register_index_kernels(KernelRegistry& r);             // kernels_index.cpp
void register_attention_kernels(KernelRegistry& r);         // kernels_attention.cpp
void register_quant_kernels(KernelRegistry& r);             // kernels_quant.cpp
void register_resize_kernels(KernelRegistry& r);            // kernels_resize.cpp
void register_gridsample_kernels(KernelRegistry& r);        // kernels_gridsample.cpp
void register_string_kernels(KernelRegistry& r);            // kernels_string.cpp
void register_tfidf_kernels(KernelRegistry& r);             // kernels_tfidf.cpp
void register_bitcast_kernels(KernelRegistry& r);           // kernels_bitcast.cpp
void register_qlinear_kernels(KernelRegistry& r);           // kernels_qlinear.cpp
void register_sequence_kernels(KernelRegistry& r);          // kernels_sequence.cpp
void register_control_kernels(KernelRegistry& r);           // kernels_control.cpp
void register_unique_kernels(KernelRegistry& r);            // kernels_unique.cpp
void register_crop_kernels(KernelRegistry& r);              // kernels_crop.cpp
void register_rnn_kernels(KernelRegistry& r);               // kernels_rnn.cpp
void register_einsum_kernels(KernelRegistry& r);            // kernels_einsum.cpp
void register_nms_kernels(KernelRegistry& r);               // kernels_nms.cpp
void register_dft_kernels(KernelRegistry& r);               // kernels_dft.cpp
void register_linear_attention_kernels(KernelRegistry& r);  // kernels_linear_attention.cpp
void register_rotary_kernels(KernelRegistry& r);            // kernels_rotary.cpp
void register_window_kernels(KernelRegistry& r);            // kernels_window.cpp
void register_swiglu_kernels(KernelRegistry& r);            // kernels_swiglu.cpp
void register_random_kernels(KernelRegistry& r);            // kernels_random.cpp
void register_affine_grid_kernels(KernelRegistry& r);       // kernels_affine_grid.cpp
void register_label_encoder_kernels(KernelRegistry& r);     // kernels_label_encoder.cpp

}  // namespace onnxkit::runtime
