# The built-in example, as JSON.
# setup: {onnxkit} example seed {tmp}/seed.onnx
{onnxkit} inspect {tmp}/seed.onnx --json
