# exit: 2
{onnxkit} inspect --yaml model.onnx
