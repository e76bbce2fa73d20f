#pragma once
// Command line of labelkit-report (tools/labelkit_report.cpp), as a function the
// tests can call: run(arguments, stdout, stderr) returns the exit code. Not part of the library.
#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/core/error.hpp"

#include "analysis.hpp"
#include "input.hpp"
#include "svg.hpp"

namespace labelkit_tools::report {

/// Exit codes: 0 success, 2 bad usage or a bad input file, 1 any other failure (e.g. writing).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_bad_input = 2;

inline const char* usage_text() {
  return "usage: labelkit-report [--json OUT.json] [--svg-dir DIR] [--gold GOLD.csv] INPUT\n"
         "       labelkit-report --help\n"
         "Agreement, majority vote against Dawid-Skene, a per-annotator report and the items to\n"
         "adjudicate, for every labeling field of INPUT.\n"
         "  INPUT     a Label Studio JSON export (tasks with annotations; 'choices' results are\n"
         "            analysed per from_name; a field whose answers hold several choices is\n"
         "            multi-label: agreement on the sets (MASI) and per label) or a CSV\n"
         "            'item,annotator,label' with a header, or labelkit's own task export\n"
         "            (queue.export_tasks() written by annotation::write_json or write_jsonl;\n"
         "            detected by its \"format\" member)\n"
         "  --gold    CSV 'item,label' (all fields) or 'item,field,label' with a header: known "
         "labels\n"
         "  --json    also write the report as JSON\n"
         "  --svg-dir write the pairwise-agreement and per-annotator confusion heat maps (SVG)\n"
         "  --help    print this text and exit\n"
         "Exit code 0 on success, 2 for bad usage or a bad input file, 1 when an output cannot\n"
         "be written.\n";
}

/// `name` ("stem.svg"), or "stem_2.svg", "stem_3.svg", ... : the first not in `used` (compared
/// lower-cased, for case-insensitive file systems), which it is added to. Two names that differ
/// only in characters a file name cannot hold (`a/b`, `a_b`) thus get two files.
inline std::string unique_file_name(const std::string& name, std::set<std::string>& used) {
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const auto dot = name.rfind('.');
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos ? "" : name.substr(dot);
  std::string candidate = name;
  for (std::size_t n = 2; !used.insert(lower(candidate)).second; ++n) {
    candidate = stem + "_" + std::to_string(n) + extension;
  }
  return candidate;
}

/// Parsed command line.
struct Arguments {
  std::string input, json, svg_dir, gold;
  bool help = false;  ///< --help / -h: print the usage on stdout and exit 0.
};

/// Parses `args` (without the program name). Returns false (after writing why and the usage to
/// `err`) for bad usage; no arguments is bad usage. `--help` sets `out.help` and returns true.
inline bool parse_arguments(const std::vector<std::string>& args, Arguments& out,
                            std::ostream& err) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json" || a == "--svg-dir" || a == "--gold") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        err << "labelkit-report: " << a << " needs a value\n" << usage_text();
        return false;
      }
      (a == "--json" ? out.json : a == "--svg-dir" ? out.svg_dir : out.gold) = args[++i];
    } else if (a == "-h" || a == "--help") {
      out.help = true;
      return true;
    } else if (a.size() > 1 && a[0] == '-') {
      err << "labelkit-report: unknown option " << a << "\n";
      err << usage_text();
      return false;
    } else if (!out.input.empty()) {
      err << "labelkit-report: more than one input (" << out.input << ", " << a << ")\n"
          << usage_text();
      return false;
    } else {
      out.input = a;
    }
  }
  if (out.input.empty()) {
    err << "labelkit-report: no input file\n" << usage_text();
    return false;
  }
  return true;
}

/// Runs the tool: prints the report to `out`, problems to `err`; returns the exit code.
inline int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const Options& options = {}) {
  Arguments a;
  if (!parse_arguments(args, a, err)) return exit_bad_input;
  if (a.help) {
    out << usage_text();
    return exit_ok;
  }
  Dataset data;
  try {
    data = load(a.input, a.gold);
  } catch (const labelkit::error& e) {  // InputError and every other labelkit error
    err << "labelkit-report: " << e.what() << "\n";
    return exit_bad_input;
  } catch (const std::exception& e) {
    err << "labelkit-report: " << a.input << ": " << e.what() << "\n";
    return exit_failure;
  }
  try {
    std::vector<FieldReport> reports;
    reports.reserve(data.fields.size());
    for (const auto& f : data.fields) reports.push_back(analyse(f, options));
    out << "annotation report: " << data.source << " ("
        << (data.format == "csv"            ? "CSV"
            : data.format == "label_studio" ? "Label Studio export"
                                            : "labelkit task export")
        << "), " << data.fields.size() << (data.fields.size() == 1 ? " field\n" : " fields\n");
    for (const auto& n : data.notes) out << "note: " << n << "\n";
    for (const auto& r : reports) {
      out << "\n";
      print_text(out, r);
    }
    if (!a.json.empty()) {
      std::ofstream file(a.json, std::ios::binary);
      file << to_json(data, reports).dump(2) << "\n";
      if (!file) {
        err << "labelkit-report: cannot write " << a.json << "\n";
        return exit_failure;
      }
      out << "\nwrote " << a.json << "\n";
    }
    if (!a.svg_dir.empty()) {
      std::filesystem::create_directories(a.svg_dir);
      std::size_t written = 0;
      std::set<std::string> used;  // file names already written, lower-cased
      for (const auto& r : reports) {
        for (const auto& [name, text] : heat_maps(r)) {
          examples::svg::write_file(
              (std::filesystem::path(a.svg_dir) / unique_file_name(name, used)).string(), text);
          ++written;
        }
      }
      out << "wrote " << written << " SVG heat maps to " << a.svg_dir << "\n";
    }
  } catch (const std::exception& e) {
    err << "labelkit-report: " << e.what() << "\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace labelkit_tools::report
