#pragma once
/// Field numbers of onnx.proto (onnx-ml variant) and onnx-data.proto, one
/// namespace per message. Fields are written in increasing number order, as
/// libprotobuf does, so a file protobuf wrote round-trips byte for byte.

#include <cstdint>

namespace onnxkit::proto::fields {

namespace model {
constexpr std::uint32_t kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDomain = 4,
                        kModelVersion = 5, kDocString = 6, kGraph = 7, kOpsetImport = 8,
                        kMetadataProps = 14, kTrainingInfo = 20, kFunctions = 25;
}
namespace opset {
constexpr std::uint32_t kDomain = 1, kVersion = 2;
}
namespace entry {  // StringStringEntryProto
constexpr std::uint32_t kKey = 1, kValue = 2;
}
namespace graph {
constexpr std::uint32_t kNode = 1, kName = 2, kInitializer = 5, kDocString = 10, kInput = 11,
                        kOutput = 12, kValueInfo = 13, kQuantizationAnnotation = 14,
                        kSparseInitializer = 15, kMetadataProps = 16;
}
namespace node {
constexpr std::uint32_t kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5,
                        kDocString = 6, kDomain = 7, kOverload = 8, kMetadataProps = 9;
}
namespace attr {
constexpr std::uint32_t kName = 1, kF = 2, kI = 3, kS = 4, kT = 5, kG = 6, kFloats = 7, kInts = 8,
                        kStrings = 9, kTensors = 10, kGraphs = 11, kDocString = 13, kTp = 14,
                        kTypeProtos = 15, kType = 20, kRefAttrName = 21, kSparseTensor = 22,
                        kSparseTensors = 23;
}
namespace value_info {
constexpr std::uint32_t kName = 1, kType = 2, kDocString = 3, kMetadataProps = 4;
}
namespace tensor {
constexpr std::uint32_t kDims = 1, kDataType = 2, kSegment = 3, kFloatData = 4, kInt32Data = 5,
                        kStringData = 6, kInt64Data = 7, kName = 8, kRawData = 9, kDoubleData = 10,
                        kUint64Data = 11, kDocString = 12, kExternalData = 13, kDataLocation = 14,
                        kMetadataProps = 16;
}
namespace segment {
constexpr std::uint32_t kBegin = 1, kEnd = 2;
}
namespace sparse {
constexpr std::uint32_t kValues = 1, kIndices = 2, kDims = 3;
}
namespace type {
constexpr std::uint32_t kTensorType = 1, kSequenceType = 4, kMapType = 5, kDenotation = 6,
                        kOpaqueType = 7, kSparseTensorType = 8, kOptionalType = 9;
}
namespace type_tensor {  // TypeProto.Tensor and TypeProto.SparseTensor
constexpr std::uint32_t kElemType = 1, kShape = 2;
}
namespace type_elem {  // TypeProto.Sequence and TypeProto.Optional
constexpr std::uint32_t kElemType = 1;
}
namespace type_map {
constexpr std::uint32_t kKeyType = 1, kValueType = 2;
}
namespace type_opaque {
constexpr std::uint32_t kDomain = 1, kName = 2;
}
namespace shape {
constexpr std::uint32_t kDim = 1;
}
namespace dim {
constexpr std::uint32_t kValue = 1, kParam = 2, kDenotation = 3;
}
namespace function {
constexpr std::uint32_t kName = 1, kInput = 4, kOutput = 5, kAttribute = 6, kNode = 7,
                        kDocString = 8, kOpsetImport = 9, kDomain = 10, kAttributeProto = 11,
                        kValueInfo = 12, kOverload = 13, kMetadataProps = 14;
}
namespace training {
constexpr std::uint32_t kInitialization = 1, kAlgorithm = 2, kInitializationBinding = 3,
                        kUpdateBinding = 4;
}
namespace annotation {
constexpr std::uint32_t kTensorName = 1, kQuantParameterTensorNames = 2;
}
namespace sequence {
constexpr std::uint32_t kName = 1, kElemType = 2, kTensorValues = 3, kSparseTensorValues = 4,
                        kSequenceValues = 5, kMapValues = 6, kOptionalValues = 7;
}
namespace map {
constexpr std::uint32_t kName = 1, kKeyType = 2, kKeys = 3, kStringKeys = 4, kValues = 5;
}
namespace optional {
constexpr std::uint32_t kName = 1, kElemType = 2, kTensorValue = 3, kSparseTensorValue = 4,
                        kSequenceValue = 5, kMapValue = 6, kOptionalValue = 7;
}

}  // namespace onnxkit::proto::fields
