# The built-in example, as `onnxkit inspect` reports it.
# setup: {onnxkit} example seed {tmp}/seed.onnx
{onnxkit} inspect {tmp}/seed.onnx
