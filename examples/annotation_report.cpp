// annotation_report: agreement, aggregation, annotator quality and items to adjudicate for a
// Label Studio JSON export or a CSV of item,annotator,label (see report/cli.hpp for the usage).
// With no arguments it reports on the shipped bluebirds crowd (39 workers, 108 images).
//
//     annotation_report [--json out.json] [--svg-dir DIR] [--gold FILE] INPUT
#include <iostream>
#include <string>
#include <vector>

#include "report/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) args.emplace_back(LABELKIT_EXAMPLES_DATA_DIR "/bluebirds.csv");
  return examples::report::run(args, std::cout, std::cerr);
}
