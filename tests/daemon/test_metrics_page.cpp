// A /metrics page held gzip-compressed: what the writer makes is a gzip
// file that the gzip program reads back (the check is not our own inflate),
// and the reader gives the text back in bounded pieces.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "metrics_page.hpp"
#include "support/temp_dir.hpp"

using reactord::metrics_page;
using reactord::metrics_page_reader;
using reactord::metrics_page_writer;

namespace {

// Lines as /metrics has them, with a random value each (so that parts do
// not compress away), written a line at a time as family does.
std::string write_lines(metrics_page_writer& w, int lines) {
  std::mt19937 random(7);
  std::string all;
  for (int i = 0; i < lines; ++i) {
    std::string line = "reactord_job_runs_total{job_name=\"j" + std::to_string(i) + "\",kind=\"ping\"} " +
                       std::to_string(random()) + "\n";
    w.buffer() += line;
    w.written();
    all += line;
  }
  return all;
}

// What `gzip -dc` makes of the page's bytes.
std::string gunzip(metrics_page const& page) {
  temp_dir dir;
  auto file = dir.write("page.gz", page.gzip);
  auto out = (dir.path / "page.txt").string();
  EXPECT_EQ(std::system(("gzip -dc '" + file + "' > '" + out + "'").c_str()), 0);
  std::ifstream in(out, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(MetricsPage, TheGzipProgramReadsBackWhatTheWriterWrote) {
  metrics_page_writer w;
  auto text = write_lines(w, 100'000);  // about 7 MB: a hundred flushes
  ASSERT_GT(text.size(), 50 * metrics_page_writer::flush_bytes);
  auto page = std::move(w).finish();
  EXPECT_EQ(page.text_bytes, text.size());
  EXPECT_LT(page.gzip.size(), text.size() / 3) << "compressed";
  EXPECT_EQ(gunzip(page), text);
}

TEST(MetricsPage, TheReaderGivesTheTextBackInBoundedPieces) {
  metrics_page_writer w;
  auto text = write_lines(w, 20'000);
  auto page = std::move(w).finish();
  metrics_page_reader reader(page);
  std::string back;
  int pieces = 0;
  for (auto piece = reader.next(); !piece.empty(); piece = reader.next()) {
    EXPECT_LE(piece.size(), metrics_page_reader::piece_bytes);
    back += piece;
    ++pieces;
  }
  EXPECT_EQ(back, text);
  EXPECT_GT(pieces, 10);
  EXPECT_TRUE(reader.next().empty()) << "stays at the end";
}

TEST(MetricsPage, AnEmptyPageIsTheGzipOfNothing) {
  auto page = metrics_page_writer().finish();
  EXPECT_EQ(page.text_bytes, 0u);
  EXPECT_EQ(gunzip(page), "");
  metrics_page_reader reader(page);
  EXPECT_TRUE(reader.next().empty());
}
