// A fresh directory for one test, removed with everything in it when the
// test ends. Portable (no mkdtemp(3), which Windows lacks): a random name,
// created only if nothing has it yet.
//
//   temp_dir dir;
//   std::string file = dir.write("jobs.yaml", "jobs: []\n");
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path = std::filesystem::temp_directory_path() / ("reactord-test-" + std::to_string(random()));
      if (std::filesystem::create_directory(path)) return;
    }
    throw std::runtime_error("no fresh temporary directory after 100 names");
  }
  ~temp_dir() {
    std::error_code ignored;  // a test that failed half-way may leave anything
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(temp_dir const&) = delete;
  temp_dir& operator=(temp_dir const&) = delete;

  // Writes `text` (bytes as given, no newline translation) to `name` in the
  // directory, making the folders `name` names ("jobs.d/a.yaml"), and
  // returns the file's path.
  std::string write(std::string const& name, std::string const& text) const {
    std::filesystem::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
  std::string file(std::string const& name) const { return (path / name).string(); }
};
