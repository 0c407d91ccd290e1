# The example with the custom op, as JSON: custom_domains lists devtech.
# setup: {onnxkit} example foo {tmp}/foo.onnx
{onnxkit} inspect --json {tmp}/foo.onnx
