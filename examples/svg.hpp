#pragma once
// A small SVG writer for the examples (not part of the library): line charts (learning curves)
// and heat maps (confusion and agreement matrices). Plain SVG 1.1 text, no scripts, no external
// fonts, so the files open in any browser.
//
//     examples::svg::LineChart chart{.title = "digits", .x_label = "labels", .y_label =
//     "accuracy"}; chart.series.push_back({.name = "entropy", .x = {20, 30, 40}, .y = {0.61, 0.70,
//     0.78}}); chart.series.push_back({.name = "random", .x = {20, 30, 40}, .y = {0.60, 0.66,
//     0.71},
//                             .dashed = true});
//     examples::svg::write_file("digits.svg", examples::svg::render(chart));

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace examples::svg {

/// One line of a chart: points (x[i], y[i]) joined in order.
struct Series {
  std::string name{};
  std::vector<double> x{};
  std::vector<double> y{};
  bool dashed = false;   ///< e.g. the random baseline
  std::string colour{};  ///< empty: the next colour of the palette
};

/// A line chart with labeled axes, ticks, a grid and a legend (one entry per series).
struct LineChart {
  std::string title{};
  std::string x_label{};
  std::string y_label{};
  std::vector<Series> series{};
  std::optional<double> y_min{};  ///< axis range; empty: from the data, rounded to ticks
  std::optional<double> y_max{};
  int width = 900;
  int height = 560;
};

/// A matrix shown as coloured cells with their values written in, and a colour scale.
struct HeatMap {
  std::string title{};
  std::string x_label{};                     ///< what the columns are (e.g. "predicted")
  std::string y_label{};                     ///< what the rows are (e.g. "true")
  std::vector<std::string> row_labels{};     ///< empty: 0, 1, 2...
  std::vector<std::string> column_labels{};  ///< empty: 0, 1, 2...
  Eigen::MatrixXd values{};
  std::optional<double> min{};  ///< colour scale range; empty: from the data
  std::optional<double> max{};
  int decimals = 2;  ///< digits after the point in the cell labels
  int cell = 56;     ///< cell size in pixels
};

namespace detail {

/// Okabe & Ito's colour-blind-safe palette (2008), black moved last.
inline const std::array<const char*, 8> palette{"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                "#E69F00", "#56B4E9", "#F0E442", "#000000"};

inline std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string s = buffer;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {  // "-0.00" reads badly
    bool all_zero = true;
    for (const char c : s.substr(1)) all_zero &= (c == '0' || c == '.');
    if (all_zero) s = s.substr(1);
  }
  return s;
}

inline std::string coordinate(double value) { return number(value, 1); }

/// Ticks at a "nice" step (1, 2 or 5 times a power of ten), about `target` of them, covering
/// [lo, hi]; returns the ticks and the number of decimals they need.
struct Ticks {
  std::vector<double> values;
  int decimals = 0;
  double lo = 0;
  double hi = 1;
};

inline Ticks nice_ticks(double lo, double hi, int target, bool expand) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (raw <= step) break;
  }
  Ticks ticks;
  ticks.lo = expand ? std::floor(lo / step + 1e-9) * step : lo;
  ticks.hi = expand ? std::ceil(hi / step - 1e-9) * step : hi;
  const double first = std::ceil(ticks.lo / step - 1e-9) * step;
  for (double t = first; t <= ticks.hi + step * 1e-9; t += step) ticks.values.push_back(t);
  ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(step / std::pow(10.0, -ticks.decimals) -
               std::round(step / std::pow(10.0, -ticks.decimals))) > 1e-9) {
    ++ticks.decimals;  // steps like 2.5 or 0.25 need one more digit
  }
  return ticks;
}

/// Viridis (matplotlib's default map), linearly interpolated between 9 anchors; t in [0, 1].
inline std::array<double, 3> viridis(double t) {
  static constexpr double anchors[9][3] = {
      {0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530},
      {0.207, 0.372, 0.553}, {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551},
      {0.135, 0.659, 0.518}, {0.478, 0.821, 0.318}, {0.993, 0.906, 0.144}};
  if (!(t > 0)) t = 0;  // NaN -> 0
  if (t > 1) t = 1;
  const double position = t * 8.0;
  const int i = std::min(7, static_cast<int>(position));
  const double f = position - i;
  std::array<double, 3> rgb{};
  for (int c = 0; c < 3; ++c) rgb[c] = anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c]);
  return rgb;
}

inline std::string hex(const std::array<double, 3>& rgb) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x",
                static_cast<unsigned>(std::lround(rgb[0] * 255)),
                static_cast<unsigned>(std::lround(rgb[1] * 255)),
                static_cast<unsigned>(std::lround(rgb[2] * 255)));
  return buffer;
}

inline void header(std::ostringstream& out, int width, int height, const std::string& title) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height
      << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
      << "<title>" << escape(title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!title.empty()) {
    out << "<text x=\"" << width / 2 << "\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" "
        << "font-weight=\"bold\">" << escape(title) << "</text>\n";
  }
}

}  // namespace detail

/// The chart as an SVG document. Series with fewer x than y values (or the reverse) use the
/// shorter length; non-finite points are skipped.
inline std::string render(const LineChart& chart) {
  constexpr double left = 78, top = 44, bottom = 62, legend_width = 190;
  const double plot_w = chart.width - left - legend_width - 20;
  const double plot_h = chart.height - top - bottom;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const Series& s : chart.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
    }
  }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  const detail::Ticks xt = detail::nice_ticks(x_lo, x_hi, 8, false);
  const detail::Ticks yt = detail::nice_ticks(
      chart.y_min.value_or(y_lo), chart.y_max.value_or(y_hi), 6, !(chart.y_min && chart.y_max));
  const auto px = [&](double x) { return left + (x - xt.lo) / (xt.hi - xt.lo) * plot_w; };
  const auto py = [&](double y) { return top + plot_h - (y - yt.lo) / (yt.hi - yt.lo) * plot_h; };

  std::ostringstream out;
  detail::header(out, chart.width, chart.height, chart.title);
  // Grid and ticks.
  out << "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (const double t : yt.values) {
    out << "<line x1=\"" << detail::coordinate(left) << "\" x2=\""
        << detail::coordinate(left + plot_w) << "\" y1=\"" << detail::coordinate(py(t))
        << "\" y2=\"" << detail::coordinate(py(t)) << "\"/>\n";
  }
  for (const double t : xt.values) {
    out << "<line x1=\"" << detail::coordinate(px(t)) << "\" x2=\"" << detail::coordinate(px(t))
        << "\" y1=\"" << detail::coordinate(top) << "\" y2=\"" << detail::coordinate(top + plot_h)
        << "\"/>\n";
  }
  out << "</g>\n<g fill=\"#333\">\n";
  for (const double t : yt.values) {
    out << "<text x=\"" << detail::coordinate(left - 8) << "\" y=\""
        << detail::coordinate(py(t) + 4) << "\" text-anchor=\"end\">"
        << detail::number(t, yt.decimals) << "</text>\n";
  }
  for (const double t : xt.values) {
    out << "<text x=\"" << detail::coordinate(px(t)) << "\" y=\""
        << detail::coordinate(top + plot_h + 20) << "\" text-anchor=\"middle\">"
        << detail::number(t, xt.decimals) << "</text>\n";
  }
  out << "</g>\n";
  // Axes and their labels.
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << detail::coordinate(plot_w)
      << "\" height=\"" << detail::coordinate(plot_h) << "\" fill=\"none\" stroke=\"#444\"/>\n";
  out << "<text x=\"" << detail::coordinate(left + plot_w / 2) << "\" y=\""
      << detail::coordinate(chart.height - 18) << "\" text-anchor=\"middle\" font-size=\"14\">"
      << detail::escape(chart.x_label) << "</text>\n";
  out << "<text transform=\"translate(22 " << detail::coordinate(top + plot_h / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" << detail::escape(chart.y_label)
      << "</text>\n";
  // Lines, clipped to the plot area.
  out << "<clipPath id=\"plot\"><rect x=\"" << left << "\" y=\"" << top << "\" width=\""
      << detail::coordinate(plot_w) << "\" height=\"" << detail::coordinate(plot_h)
      << "\"/></clipPath>\n<g clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"2.2\" "
      << "stroke-linejoin=\"round\">\n";
  std::vector<std::string> colours;
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const Series& s = chart.series[k];
    colours.push_back(s.colour.empty() ? detail::palette[k % detail::palette.size()] : s.colour);
    out << "<polyline stroke=\"" << colours.back() << "\""
        << (s.dashed ? " stroke-dasharray=\"7 5\"" : "") << " points=\"";
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      out << detail::coordinate(px(s.x[i])) << ',' << detail::coordinate(py(s.y[i])) << ' ';
    }
    out << "\"/>\n";
  }
  out << "</g>\n";
  // Legend, right of the plot.
  const double lx = left + plot_w + 20;
  out << "<g font-size=\"13\">\n";
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const double ly = top + 10 + 24.0 * static_cast<double>(k);
    out << "<line x1=\"" << detail::coordinate(lx) << "\" x2=\"" << detail::coordinate(lx + 34)
        << "\" y1=\"" << detail::coordinate(ly) << "\" y2=\"" << detail::coordinate(ly)
        << "\" stroke=\"" << colours[k] << "\" stroke-width=\"2.5\""
        << (chart.series[k].dashed ? " stroke-dasharray=\"7 5\"" : "") << "/>\n";
    out << "<text x=\"" << detail::coordinate(lx + 42) << "\" y=\"" << detail::coordinate(ly + 4.5)
        << "\">" << detail::escape(chart.series[k].name) << "</text>\n";
  }
  out << "</g>\n</svg>\n";
  return out.str();
}

/// The heat map as an SVG document: one square per entry, coloured on the viridis scale, its
/// value written in (white on dark cells, black on light ones), labels on both axes and a
/// colour bar with ticks on the right. NaN entries are drawn grey and labeled "-".
inline std::string render(const HeatMap& map) {
  const auto rows = map.values.rows();
  const auto cols = map.values.cols();
  const auto label = [](const std::vector<std::string>& labels, Eigen::Index i) {
    return i < static_cast<Eigen::Index>(labels.size()) ? labels[static_cast<std::size_t>(i)]
                                                        : std::to_string(i);
  };
  std::size_t longest_row_label = 1;
  for (Eigen::Index r = 0; r < rows; ++r)
    longest_row_label = std::max(longest_row_label, label(map.row_labels, r).size());
  std::size_t longest_column_label = 1;
  for (Eigen::Index c = 0; c < cols; ++c)
    longest_column_label = std::max(longest_column_label, label(map.column_labels, c).size());
  const double cell = map.cell;
  const double left = 48 + 8.0 * static_cast<double>(longest_row_label);
  // Column labels wider than a cell are written at 45 degrees so neighbours do not overlap.
  const bool rotate_columns = 7.0 * static_cast<double>(longest_column_label) > cell;
  const double column_band =
      rotate_columns ? 0.71 * 7.0 * static_cast<double>(longest_column_label) + 12 : 18;
  const double top = 50;
  const double grid_w = cell * static_cast<double>(cols);
  const double grid_h = cell * static_cast<double>(rows);
  const double bar_x = left + grid_w + 30;
  const int width = static_cast<int>(std::max(bar_x + 90, 360.0));
  const int height = static_cast<int>(top + grid_h + column_band + 52);

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (Eigen::Index i = 0; i < map.values.size(); ++i) {
    const double v = map.values.data()[i];
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  lo = map.min.value_or(lo);
  hi = map.max.value_or(hi);
  if (!(hi > lo)) hi = lo + 1;
  const auto fraction = [&](double v) { return (v - lo) / (hi - lo); };

  std::ostringstream out;
  detail::header(out, width, height, map.title);
  out << "<g text-anchor=\"middle\" font-size=\"" << std::max(9, std::min(14, map.cell / 4))
      << "\">\n";
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      const double v = map.values(r, c);
      const double x = left + cell * static_cast<double>(c);
      const double y = top + cell * static_cast<double>(r);
      const bool finite = std::isfinite(v);
      const auto rgb = detail::viridis(fraction(v));
      const double luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
      out << "<rect x=\"" << detail::coordinate(x) << "\" y=\"" << detail::coordinate(y)
          << "\" width=\"" << cell << "\" height=\"" << cell << "\" fill=\""
          << (finite ? detail::hex(rgb) : "#bbbbbb") << "\" stroke=\"white\"/>\n";
      out << "<text x=\"" << detail::coordinate(x + cell / 2) << "\" y=\""
          << detail::coordinate(y + cell / 2 + 4) << "\" fill=\""
          << (finite && luminance < 0.45 ? "white" : "black") << "\">"
          << (finite ? detail::number(v, map.decimals) : "-") << "</text>\n";
    }
  }
  out << "</g>\n<g fill=\"#333\">\n";
  for (Eigen::Index c = 0; c < cols; ++c) {
    const double x = left + cell * (static_cast<double>(c) + 0.5);
    if (rotate_columns) {
      out << "<text transform=\"translate(" << detail::coordinate(x) << " "
          << detail::coordinate(top + grid_h + 14) << ") rotate(-45)\" text-anchor=\"end\">"
          << detail::escape(label(map.column_labels, c)) << "</text>\n";
    } else {
      out << "<text x=\"" << detail::coordinate(x) << "\" y=\""
          << detail::coordinate(top + grid_h + 18) << "\" text-anchor=\"middle\">"
          << detail::escape(label(map.column_labels, c)) << "</text>\n";
    }
  }
  for (Eigen::Index r = 0; r < rows; ++r) {
    out << "<text x=\"" << detail::coordinate(left - 8) << "\" y=\""
        << detail::coordinate(top + cell * (static_cast<double>(r) + 0.5) + 4)
        << "\" text-anchor=\"end\">" << detail::escape(label(map.row_labels, r)) << "</text>\n";
  }
  out << "</g>\n";
  out << "<text x=\"" << detail::coordinate(left + grid_w / 2) << "\" y=\""
      << detail::coordinate(top + grid_h + column_band + 26)
      << "\" text-anchor=\"middle\" font-size=\"14\">" << detail::escape(map.x_label)
      << "</text>\n";
  out << "<text transform=\"translate(18 " << detail::coordinate(top + grid_h / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" << detail::escape(map.y_label)
      << "</text>\n";
  // Colour bar: a vertical gradient with ticks.
  out << "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int s = 0; s <= 8; ++s) {
    out << "<stop offset=\"" << detail::number(s / 8.0, 3) << "\" stop-color=\""
        << detail::hex(detail::viridis(s / 8.0)) << "\"/>\n";
  }
  out << "</linearGradient></defs>\n";
  out << "<rect x=\"" << detail::coordinate(bar_x) << "\" y=\"" << top
      << "\" width=\"16\" height=\"" << detail::coordinate(grid_h)
      << "\" fill=\"url(#scale)\" stroke=\"#444\"/>\n";
  const detail::Ticks ticks =
      detail::nice_ticks(lo, hi, std::max(2, static_cast<int>(rows)), false);
  out << "<g fill=\"#333\" font-size=\"12\">\n";
  for (const double t : ticks.values) {
    const double y = top + grid_h - fraction(t) * grid_h;
    out << "<line x1=\"" << detail::coordinate(bar_x + 16) << "\" x2=\""
        << detail::coordinate(bar_x + 21) << "\" y1=\"" << detail::coordinate(y) << "\" y2=\""
        << detail::coordinate(y) << "\" stroke=\"#444\"/>\n<text x=\""
        << detail::coordinate(bar_x + 24) << "\" y=\"" << detail::coordinate(y + 4) << "\">"
        << detail::number(t, ticks.decimals) << "</text>\n";
  }
  out << "</g>\n</svg>\n";
  return out.str();
}

/// Writes `text` to `path`.
/// @throws std::runtime_error if the file cannot be written.
inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file) throw std::runtime_error("cannot write " + path);
}

}  // namespace examples::svg
