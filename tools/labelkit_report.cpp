// labelkit-report: agreement, aggregation, annotator quality and items to adjudicate for a Label
// Studio JSON export or a CSV of item,annotator,label. `labelkit-report --help` prints the usage;
// docs/tools.md describes the report.
//
//     labelkit-report [--json out.json] [--svg-dir DIR] [--gold FILE] INPUT
#include <iostream>
#include <string>
#include <vector>

#include "report/cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return labelkit_tools::report::run(args, std::cout, std::cerr);
}
