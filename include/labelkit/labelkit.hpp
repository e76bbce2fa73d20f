#pragma once
/// @file
/// Umbrella header: all of labelkit, as the nine module headers. For faster builds include one
/// module (labelkit/quality.hpp, ...), or the single headers a translation unit uses; headers
/// that only name labelkit's types can include labelkit/fwd.hpp.

#include "labelkit/config.hpp"
#include "labelkit/fwd.hpp"
#include "labelkit/version.hpp"

#include "labelkit/core.hpp"

#include "labelkit/learner.hpp"
#include "labelkit/models.hpp"
#include "labelkit/query.hpp"

#include "labelkit/agreement.hpp"
#include "labelkit/quality.hpp"

#include "labelkit/annotation.hpp"
#include "labelkit/prelabel.hpp"

#include "labelkit/pipeline.hpp"
