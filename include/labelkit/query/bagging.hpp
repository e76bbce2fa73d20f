#pragma once
/// @file
/// Forwarding header: `BaggingCommittee` is a model and lives in labelkit/models/bagging.hpp
/// (`labelkit::models::BaggingCommittee`); `labelkit::query::BaggingCommittee` names the same
/// class template.

#include "labelkit/config.hpp"
#include "labelkit/models/bagging.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

using models::BaggingCommittee;

}  // namespace query
LABELKIT_END_NAMESPACE
