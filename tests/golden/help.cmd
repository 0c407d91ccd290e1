{onnxkit} --help
