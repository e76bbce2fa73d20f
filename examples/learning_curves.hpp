#pragma once
// Learning-curve tables and charts shared by the active-learning examples: each strategy is a
// column of curves (one per seed); the table prints mean held-out accuracy against labels, the
// mean and spread of the curves' areas, and the chart draws the mean curves (baselines dashed).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "labelkit/learner/simulation.hpp"
#include "svg.hpp"

namespace examples {

/// One strategy's learning curves, one per seed, all on the same protocol (same label counts).
struct CurveColumn {
  std::string name;
  std::vector<labelkit::LearningCurve> runs;
  double seconds = 0;     // time spent in the runs, if the example measures it
  bool baseline = false;  // drawn dashed (the random baseline)
};

inline double mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

inline double stddev(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (const double x : v) s += (x - m) * (x - m);
  return v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0;
}

/// Mean accuracy over the seeds at point p of the curves.
inline double mean_accuracy(const CurveColumn& column, std::size_t p) {
  std::vector<double> acc;
  for (const auto& run : column.runs) acc.push_back(run.points[p].accuracy);
  return mean(acc);
}

/// Area under each seed's curve.
inline std::vector<double> areas(const CurveColumn& column) {
  std::vector<double> out;
  for (const auto& run : column.runs) out.push_back(run.area());
  return out;
}

/// Prints accuracy against labels every `every` points (and the last), then the mean area and
/// its standard deviation over seeds; returns the mean area per column.
inline std::vector<double> print_curve_table(const std::vector<CurveColumn>& columns,
                                             std::size_t every, int width) {
  std::printf("%8s", "labels");
  for (const auto& c : columns) std::printf(" %*s", width, c.name.c_str());
  std::printf("\n");
  const auto& reference = columns.front().runs.front().points;
  for (std::size_t p = 0; p < reference.size(); ++p) {
    if (p % every != 0 && p + 1 != reference.size()) continue;
    std::printf("%8ld", static_cast<long>(reference[p].labels));
    for (const auto& c : columns) std::printf(" %*.4f", width, mean_accuracy(c, p));
    std::printf("\n");
  }
  std::vector<double> area_means;
  std::printf("%8s", "area");
  for (const auto& c : columns) {
    area_means.push_back(mean(areas(c)));
    std::printf(" %*.4f", width, area_means.back());
  }
  std::printf("\n%8s", "(sd)");
  for (const auto& c : columns) std::printf(" %*.4f", width, stddev(areas(c)));
  std::printf("\n");
  return area_means;
}

/// Writes the mean curves as an SVG line chart (baselines dashed).
inline void write_curves_svg(const std::vector<CurveColumn>& columns, const std::string& path,
                             const std::string& title) {
  svg::LineChart chart;
  chart.title = title;
  chart.x_label = "labels used";
  chart.y_label = "held-out accuracy";
  const auto& reference = columns.front().runs.front().points;
  for (const auto& c : columns) {
    svg::Series series;
    series.name = c.name;
    series.dashed = c.baseline;
    for (std::size_t p = 0; p < reference.size(); ++p) {
      series.x.push_back(static_cast<double>(reference[p].labels));
      series.y.push_back(mean_accuracy(c, p));
    }
    chart.series.push_back(std::move(series));
  }
  svg::write_file(path, svg::render(chart));
}

}  // namespace examples
