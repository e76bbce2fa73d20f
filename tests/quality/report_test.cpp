#include <doctest/doctest.h>

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/report.hpp"

using labelkit::Annotation;
namespace q = labelkit::quality;

TEST_CASE("quality_report on bluebirds with a third of the truth as gold; JSON round trip") {
  const auto crowd = examples::load_bluebirds();
  std::vector<q::GoldLabel> gold;
  for (std::size_t i = 0; i < crowd.truth.size(); i += 3)
    gold.push_back({crowd.truth[i].first, crowd.truth[i].second});
  const auto report = q::quality_report(crowd.annotations, 2, gold);
  CHECK(report.n_annotations == 4212);
  CHECK(report.n_items == 108);
  CHECK(report.n_annotators == 39);
  CHECK(report.n_gold == 36 * 39);
  REQUIRE(report.gold_accuracy.has_value());
  CHECK(*report.gold_accuracy > 0.5);
  REQUIRE(report.annotators.size() == 39);
  Eigen::Index flagged = 0;
  for (const auto& a : report.annotators) {
    CHECK(a.n_gold == 36);
    CHECK(a.n_answers == 108);
    CHECK(a.worst_class >= 0);
    CHECK(a.flagged == !a.reasons.empty());
    // Flagged by gold exactly when accuracy < 0.7.
    const bool gold_flag =
        std::find(a.reasons.begin(), a.reasons.end(), "gold_accuracy") != a.reasons.end();
    CHECK(gold_flag == (*a.gold_accuracy < 0.7));
    flagged += a.flagged;
  }
  CHECK(report.n_flagged == flagged);
  CHECK(report.n_flagged == 25);  // measured; pooled gold accuracy 0.631
  MESSAGE("bluebirds: flagged " << report.n_flagged << " of 39, pooled gold accuracy "
                                << *report.gold_accuracy << ", mean consensus agreement "
                                << report.mean_consensus_agreement);
  const nlohmann::json j = report;
  CHECK(j.at("annotators").size() == 39);
  CHECK(j.at("annotators").at(0).at("gold_interval").size() == 2);
  const auto back = nlohmann::json::parse(j.dump()).get<q::QualityReport>();
  CHECK(back == report);
}

TEST_CASE("report JSON: no gold gives null accuracy and survives the round trip") {
  std::vector<Annotation> a;
  for (int i = 0; i < 12; ++i) {
    a.push_back({i, 1, i % 2});
    a.push_back({i, 2, i % 2});
    a.push_back({i, 3, 0});  // single-label annotator
  }
  const std::vector<double> seconds(a.size(), 0.5);  // everyone implausibly fast
  const auto report = q::quality_report(a, 2, {}, {}, seconds);
  CHECK(!report.gold_accuracy.has_value());
  REQUIRE(report.annotators.size() == 3);
  const auto& single = report.annotators[2];
  CHECK(single.single_label);
  CHECK(single.too_fast);
  CHECK(single.worst_class == 1);
  CHECK(single.worst_class_agreement == 0.0);
  CHECK(single.reasons == std::vector<std::string>{"consensus", "single_label", "too_fast"});
  const nlohmann::json j = report;
  CHECK(j.at("gold_accuracy").is_null());
  CHECK(j.at("annotators").at(2).at("reasons").at(1) == "single_label");
  const auto back = j.get<q::QualityReport>();
  CHECK(back == report);
  const nlohmann::json one = report.annotators[0];
  CHECK(one.get<q::AnnotatorReport>() == report.annotators[0]);
  nlohmann::json broken = one;
  broken.erase("n_items");
  CHECK_THROWS_AS(static_cast<void>(broken.get<q::AnnotatorReport>()), nlohmann::json::exception);
}
