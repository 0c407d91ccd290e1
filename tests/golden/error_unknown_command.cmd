# exit: 2
{onnxkit} frobnicate model.onnx
