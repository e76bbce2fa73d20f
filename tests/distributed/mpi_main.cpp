// The distributed tests' main: MPI_Init, then doctest on every rank (each test case is
// collective, so every rank runs every case in the same order). Rank 0 prints the report; the
// other ranks print theirs only when they fail. The exit status is the worst of all ranks.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "labelkit/distributed/mpi.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::ostringstream quiet;
  doctest::Context context(argc, argv);
  if (rank != 0) context.setCout(&quiet);
  const int result = context.run();
  if (result != 0 && rank != 0) std::cerr << "rank " << rank << ":\n" << quiet.str();
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
