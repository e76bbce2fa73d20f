#pragma once
/// @file
/// Forward declarations of labelkit's public types, and `labelkit::Index`, for headers that only
/// name them (in a declaration, by pointer or by reference). Includes no Eigen and no
/// nlohmann_json: a translation unit that includes only this header pays for `<cstddef>`.
///
/// The full definitions are in the area headers (labelkit/core.hpp, labelkit/quality.hpp, ...)
/// or the umbrella labelkit/labelkit.hpp. Class templates with default arguments or constraints
/// are not declared here: their declaration belongs to their own header.

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

struct Version;

class error;
class invalid_argument;
class dimension_mismatch;
class parse_error;
class state_error;
class numerical_error;

struct Annotation;
struct AnswerSet;
struct GoldLabel;
class IdNames;
struct Interval;
class LabelSet;
class IdMap;
class LabelPool;
class Random;
struct JsonLimits;

namespace models {
struct LogisticRegressionOptions;
class LogisticRegression;
struct GaussianNaiveBayesOptions;
class GaussianNaiveBayes;
}  // namespace models

namespace agreement {
struct Estimate;
class RatingTable;
}  // namespace agreement

namespace quality {
struct MajorityVoteResult;
}  // namespace quality

namespace prelabel {
struct PreLabel;
template <class Item>
class PreLabeler;
}  // namespace prelabel

namespace pipeline {
struct FinalLabel;
struct FinalLabels;
}  // namespace pipeline

namespace annotation {
struct TaskRecord;
struct TaskSet;
struct QueueOptions;
class TaskQueue;
}  // namespace annotation

LABELKIT_END_NAMESPACE
