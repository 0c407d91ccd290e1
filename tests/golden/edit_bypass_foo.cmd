# The GraphSurgeon recipe as one call: bypass the custom op, the Relu now writes "output".
# setup: {onnxkit} example foo {tmp}/foo.onnx
# setup: {onnxkit} edit {tmp}/foo.onnx {tmp}/out.txt --bypass op=devtech::FooOp
{onnxkit} inspect {tmp}/out.txt
