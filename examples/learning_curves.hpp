#pragma once
// Learning-curve tables and charts shared by the active-learning examples: each strategy is a
// column of curves (one per seed); the table prints mean held-out accuracy against labels, the
// mean and spread of the curves' areas, and the chart draws the mean curves (baselines dashed).
// run_comparison runs a set of strategies over seeded splits of one data set (every strategy
// sees the same split and seed set for a given seed, so columns are paired by seed), and
// print_spread_table prints mean and standard deviation over seeds, with each strategy's paired
// difference to the baseline.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "datasets.hpp"
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

/// Accuracy of every seed's curve at point p.
inline std::vector<double> accuracies_at(const CurveColumn& column, std::size_t p) {
  std::vector<double> acc;
  for (const auto& run : column.runs) acc.push_back(run.points[p].accuracy);
  return acc;
}

/// Area of `column` minus area of `baseline`, seed by seed (the runs are paired by seed).
inline std::vector<double> area_differences(const CurveColumn& column,
                                            const CurveColumn& baseline) {
  std::vector<double> out;
  for (std::size_t s = 0; s < column.runs.size() && s < baseline.runs.size(); ++s) {
    out.push_back(column.runs[s].area() - baseline.runs[s].area());
  }
  return out;
}

/// One strategy as run_comparison runs it: a learning curve from a prepared split and a seed.
struct StrategyRun {
  std::string name;
  std::function<labelkit::LearningCurve(const Split&, std::uint64_t)> run;
  bool baseline = false;  // drawn dashed, and the reference of the paired differences
};

/// The repeated-split protocol around the strategies.
struct ComparisonOptions {
  int seeds = 5;                        // runs per strategy
  double test_fraction = 0.3;           // held out of every split
  std::uint64_t split_seed = 1000;      // seed s splits the data with split_seed + s
  std::function<void(Split&)> prepare;  // applied to every split before the runs (may be empty)
  bool progress = false;                // "name: seed k/n" on stderr, redrawn on one line
};

/// For each seed s = 0..seeds-1: splits `data` with split_seed + s, prepares the split, and runs
/// every strategy on it with seed s (which draws the initial labeled set and any randomness of
/// the strategy). For a given seed every strategy sees the same split and the same seed set, so
/// run s of one column and run s of another are paired. Returns one column per strategy, with
/// the wall time of its runs.
inline std::vector<CurveColumn> run_comparison(const Dataset& data,
                                               const std::vector<StrategyRun>& strategies,
                                               const ComparisonOptions& options,
                                               const std::string& label = "") {
  std::vector<CurveColumn> columns;
  for (const auto& strategy : strategies) {
    columns.push_back({strategy.name, {}, 0, strategy.baseline});
  }
  for (int seed = 0; seed < options.seeds; ++seed) {
    const auto s = static_cast<std::uint64_t>(seed);
    Split split = train_test_split(data, options.test_fraction, options.split_seed + s);
    if (options.prepare) options.prepare(split);
    for (std::size_t c = 0; c < strategies.size(); ++c) {
      const auto start = std::chrono::steady_clock::now();
      columns[c].runs.push_back(strategies[c].run(split, s));
      columns[c].seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (options.progress) {
      std::fprintf(stderr, "\r%s: seed %d/%d done", label.c_str(), seed + 1, options.seeds);
    }
  }
  if (options.progress) std::fprintf(stderr, "\r%*s\r", 40, "");
  return columns;
}

namespace detail {

// Pads to `width` display columns (UTF-8 continuation bytes take none).
inline std::string pad_right(const std::string& text, std::size_t width) {
  std::size_t shown = 0;
  for (const char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++shown;
  }
  return shown >= width ? text : text + std::string(width - shown, ' ');
}

inline std::string mean_sd(const std::vector<double>& v, bool sign) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, sign ? "%+.3f ± %.3f" : "%.3f ± %.3f", mean(v), stddev(v));
  return buffer;
}

}  // namespace detail

/// Prints one row per strategy: mean ± standard deviation over seeds of the held-out accuracy at
/// each of `points` (indices into the curves), of the area under the curve, and of the paired
/// area difference to column `baseline`, with the number of seeds on which the strategy's area
/// is larger than the baseline's. `markdown` prints the same figures as a markdown table.
inline void print_spread_table(const std::vector<CurveColumn>& columns,
                               const std::vector<std::size_t>& points, std::size_t baseline,
                               bool markdown) {
  const auto& reference = columns.front().runs.front().points;
  std::vector<std::string> header{"strategy"};
  for (const std::size_t p : points) {
    header.push_back("acc@" + std::to_string(static_cast<long>(reference[p].labels)));
  }
  header.insert(header.end(), {"area", "area - " + columns[baseline].name, "wins"});
  std::vector<std::vector<std::string>> rows;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto& column = columns[c];
    std::vector<std::string> row{column.name};
    for (const std::size_t p : points)
      row.push_back(detail::mean_sd(accuracies_at(column, p), false));
    row.push_back(detail::mean_sd(areas(column), false));
    if (c == baseline) {
      row.insert(row.end(), {"", ""});
    } else {
      const auto diff = area_differences(column, columns[baseline]);
      std::size_t wins = 0;
      for (const double d : diff) wins += d > 0 ? 1 : 0;
      row.push_back(detail::mean_sd(diff, true));
      row.push_back(std::to_string(wins) + "/" + std::to_string(diff.size()));
    }
    rows.push_back(std::move(row));
  }
  if (markdown) {
    const auto print_row = [](const std::vector<std::string>& cells) {
      std::printf("|");
      for (const auto& cell : cells) std::printf(" %s |", cell.c_str());
      std::printf("\n");
    };
    print_row(header);
    std::printf("| --- |");
    for (std::size_t i = 1; i < header.size(); ++i) std::printf(" ---: |");
    std::printf("\n");
    for (const auto& row : rows) print_row(row);
    return;
  }
  const auto print_row = [](const std::vector<std::string>& cells) {
    std::printf("%s", detail::pad_right(cells[0], 12).c_str());
    for (std::size_t i = 1; i < cells.size(); ++i) {
      std::printf(" %s", detail::pad_right(cells[i], i + 1 == cells.size() ? 5 : 16).c_str());
    }
    std::printf("\n");
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
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
