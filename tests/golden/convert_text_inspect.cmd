# Binary → text → binary keeps the model: the summary is the binary one's.
# setup: {onnxkit} example seed {tmp}/seed.onnx
# setup: {onnxkit} convert {tmp}/seed.onnx {tmp}/seed.txt
# setup: {onnxkit} convert {tmp}/seed.txt {tmp}/back.onnx
{onnxkit} inspect {tmp}/back.onnx
