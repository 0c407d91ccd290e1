# A selector that matches nothing says what it searched.
# exit: 1
# setup: {onnxkit} example foo {tmp}/foo.onnx
{onnxkit} edit {tmp}/foo.onnx {tmp}/out.onnx --bypass op=devtech::BarOp
