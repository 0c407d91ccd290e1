# Weights moved to one external-data file; inspect names the file.
# setup: {onnxkit} example seed {tmp}/seed.onnx
# setup: {onnxkit} convert {tmp}/seed.onnx {tmp}/seed_ext.onnx --external-data seed_ext.bin --size-threshold 1024
{onnxkit} inspect {tmp}/seed_ext.onnx
