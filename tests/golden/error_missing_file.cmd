# A missing model: one line on stderr, exit 1.
# exit: 1
{onnxkit} inspect {tmp}/missing.onnx
