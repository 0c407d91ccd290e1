{onnxkit} help edit
