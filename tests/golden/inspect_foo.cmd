# The example with the custom op devtech::FooOp.
# setup: {onnxkit} example foo {tmp}/foo.onnx
{onnxkit} inspect {tmp}/foo.onnx
