{onnxkit} help bench
