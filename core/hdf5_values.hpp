// Reading and writing the values a results file is made of (attributes, string and number
// datasets) through the HDF5 C API, private to core. Strings are fixed-length only: a damaged
// variable-length string can point HDF5 anywhere in the file (it crashed inside H5HG_read), while a
// fixed-length one is read from a bounded buffer. Every size read from the file is checked against
// `limit` (the file's length) before memory is allocated for it.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/attributes.hpp"
#include "core/hdf5_handle.hpp"

namespace culturesim::core::h5 {

void write_attribute(hid_t object, const std::string& name, const AttributeValue& value, const std::string& path);
/// Reads one attribute; false for kinds outside AttributeValue (compound, enum, variable-length string, ...).
bool read_attribute(hid_t object, const std::string& name, AttributeValue& value, const std::string& path,
                    std::size_t limit);
/// Every attribute of `object` in creation order (name order for files written by others).
Attributes read_attributes(hid_t object, const std::string& path, std::size_t limit);
/// The string attribute `name`, or "" when it is absent or not a string.
std::string string_attribute(hid_t object, const char* name, const std::string& path, std::size_t limit);

void write_string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values, bool scalar,
                          const std::string& path);
std::vector<std::string> read_string_dataset(hid_t loc, const std::string& name, const std::string& path,
                                             std::size_t limit);
template <typename T>
void write_numeric_dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                           const std::vector<T>& values, const char* unit, const std::string& path);
/// A 1-D dataset read as `mem_type` (T's native type).
template <typename T>
std::vector<T> read_numeric_dataset(hid_t loc, const std::string& name, hid_t mem_type, std::size_t expected_rank,
                                    const std::string& path, std::size_t limit);

}  // namespace culturesim::core::h5
