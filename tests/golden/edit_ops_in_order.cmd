# Operations run in the order given: cut after the first Relu, fix the batch, rename.
# setup: {onnxkit} example seed {tmp}/seed.onnx
# setup: {onnxkit} edit {tmp}/seed.onnx {tmp}/out.onnx --extract input:relu1.out --set-batch 8 --rename-tensor relu1.out=features --rename-node Relu_2=relu --toposort
{onnxkit} print {tmp}/out.onnx
