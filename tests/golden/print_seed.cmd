# The text syntax in preview mode (large weights shortened).
# setup: {onnxkit} example seed {tmp}/seed.onnx
{onnxkit} print {tmp}/seed.onnx
