// Typed exceptions of the engine. Every error a user can cause names the field and what is
// allowed; bindings translate them to Python ValueError / KeyError / FileExistsError, and nothing
// in the engine ever calls exit().
#pragma once
#include <stdexcept>
#include <string>

namespace culturesim {

/// A value outside its allowed range or of the wrong shape (-> Python ValueError).
class InvalidValue : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A name that does not exist: parameter, policy field, role, unit, output (-> Python KeyError).
class UnknownName : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

/// A results file that exists and must not be overwritten (-> Python FileExistsError).
class FileExists : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A results file that is unreadable or does not match the experiment (-> Python OSError).
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A results file whose HDF5 structure, stored definition or run data fails its checks (a
/// checksum, a shape, a missing object): the message names the file and what is damaged (-> OSError).
class DamagedResultsFile : public ResultsFileError {
 public:
  using ResultsFileError::ResultsFileError;
};

/// A run or sweep that would need more memory or disk than allowed or available (-> MemoryError).
class InsufficientResources : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A run stopped on request (Ctrl-C in a notebook) (-> Python KeyboardInterrupt).
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace culturesim
