# An example written in the text syntax and inspected from it.
# setup: {onnxkit} example foo {tmp}/foo.txt
{onnxkit} inspect {tmp}/foo.txt
