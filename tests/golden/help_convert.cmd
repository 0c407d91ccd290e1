{onnxkit} help convert
