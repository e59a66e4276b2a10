#include "core/hdf5_values.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <variant>

namespace culturesim::core::h5 {
namespace {

/// Lays `values` out as fixed-length strings of the longest one's size.
std::pair<std::size_t, std::vector<char>> pack_strings(const std::vector<std::string>& values) {
  std::size_t size = 1;
  for (const auto& v : values) size = std::max(size, v.size());
  std::vector<char> buffer(size * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(buffer.data() + i * size, values[i].data(), values[i].size());
  return {size, std::move(buffer)};
}

void check_size(std::size_t bytes, std::size_t limit, const std::string& path, const std::string& what) {
  if (bytes > limit) fail(path, what + ": it claims " + std::to_string(bytes) + " bytes, more than the whole file");
}

/// Reads `count` fixed-length strings from an attribute or dataset; refuses variable-length ones.
std::vector<std::string> read_strings(hid_t object, bool is_attribute, hid_t file_type, std::size_t count,
                                      const std::string& path, const std::string& what, std::size_t limit) {
  std::vector<std::string> out;
  if (H5Tis_variable_str(file_type) != 0)
    fail(path, what + ": a variable-length string, which this format never writes");
  const std::size_t size = H5Tget_size(file_type);
  if (size == 0) fail(path, what);
  if (count == 0) return out;
  check_size(size * count, limit, path, what);
  Handle type = fixed_string_type(size, path);
  std::vector<char> buffer(size * count);
  check(is_attribute ? H5Aread(object, type, buffer.data())
                     : H5Dread(object, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
        path, what);
  for (std::size_t i = 0; i < count; ++i) {
    const char* begin = buffer.data() + i * size;
    out.emplace_back(begin, strnlen(begin, size));
  }
  return out;
}

}  // namespace

void write_attribute(hid_t object, const std::string& name, const AttributeValue& value, const std::string& path) {
  const std::string what = "cannot write attribute '" + name + "'";
  auto create = [&](hid_t type, hid_t space) {
    return checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path, what);
  };
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          const bool is_double = std::is_same_v<T, double>;
          Handle space = scalar_space(path);
          Handle attr = create(is_double ? H5T_IEEE_F64LE : H5T_STD_I64LE, space);
          check(H5Awrite(attr, is_double ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, &v), path, what);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          const hsize_t dims[1] = {v.size()};
          Handle space = simple_space(dims, path);
          Handle attr = create(H5T_IEEE_F64LE, space);
          if (!v.empty()) check(H5Awrite(attr, H5T_NATIVE_DOUBLE, v.data()), path, what);
        } else {
          const bool scalar = std::is_same_v<T, std::string>;
          std::vector<std::string> texts;
          if constexpr (std::is_same_v<T, std::string>)
            texts = {v};
          else
            texts = v;
          const auto [size, buffer] = pack_strings(texts);
          Handle type = fixed_string_type(size, path);
          const hsize_t dims[1] = {texts.size()};
          Handle space = scalar ? scalar_space(path) : simple_space(dims, path);
          Handle attr = create(type, space);
          if (!texts.empty()) check(H5Awrite(attr, type, buffer.data()), path, what);
        }
      },
      value);
}

bool read_attribute(hid_t object, const std::string& name, AttributeValue& value, const std::string& path,
                    std::size_t limit) {
  const std::string what = "cannot read attribute '" + name + "'";
  Handle attr = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, path, what);
  Handle type = checked(H5Aget_type(attr), H5Tclose, path, what);
  Handle space = checked(H5Aget_space(attr), H5Sclose, path, what);
  const H5S_class_t shape = H5Sget_simple_extent_type(space);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0 || shape == H5S_NO_CLASS) fail(path, what);
  const auto count = shape == H5S_NULL ? 0 : static_cast<std::size_t>(points);
  const bool scalar = shape == H5S_SCALAR;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      if (scalar) {
        std::int64_t v = 0;
        check(H5Aread(attr, H5T_NATIVE_INT64, &v), path, what);
        value = v;
        return true;
      }
      [[fallthrough]];
    case H5T_FLOAT:
      if (scalar) {
        double v = 0;
        check(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), path, what);
        value = v;
      } else {
        check_size(count * sizeof(double), limit, path, what);
        std::vector<double> v(count);
        if (!v.empty()) check(H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()), path, what);
        value = std::move(v);
      }
      return true;
    case H5T_STRING: {
      if (H5Tis_variable_str(type) != 0) return false;
      auto texts = read_strings(attr, true, type, scalar ? 1 : count, path, what, limit);
      if (scalar) {
        value = texts.empty() ? std::string{} : std::move(texts.front());
      } else {
        value = std::move(texts);
      }
      return true;
    }
    default: return false;
  }
}

Attributes read_attributes(hid_t object, const std::string& path, std::size_t limit) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect, &names) < 0) {
    // Creation order not tracked (a file written by something else): fall back to name order.
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    index = 0;
    check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names), path, "cannot list attributes");
  }
  Attributes out;
  for (const auto& name : names) {
    AttributeValue value;
    if (read_attribute(object, name, value, path, limit)) out.emplace_back(name, std::move(value));
  }
  return out;
}

std::string string_attribute(hid_t object, const char* name, const std::string& path, std::size_t limit) {
  if (H5Aexists(object, name) <= 0) return {};
  AttributeValue value;
  if (read_attribute(object, name, value, path, limit) && std::holds_alternative<std::string>(value)) {
    return std::get<std::string>(value);
  }
  return {};
}

void write_string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values, bool scalar,
                          const std::string& path) {
  const std::string what = "cannot write dataset " + name;
  const auto [size, buffer] = pack_strings(values);
  Handle type = fixed_string_type(size, path);
  const hsize_t dims[1] = {values.size()};
  Handle space = scalar ? scalar_space(path) : simple_space(dims, path);
  Handle dset =
      checked(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose, path, what);
  if (!values.empty()) check(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), path, what);
}

std::vector<std::string> read_string_dataset(hid_t loc, const std::string& name, const std::string& path,
                                             std::size_t limit) {
  const std::string what = "cannot read " + name;
  Handle dset = open_dataset(loc, name, path);
  Handle type = checked(H5Dget_type(dset), H5Tclose, path, what);
  if (H5Tget_class(type) != H5T_STRING) fail(path, name + " is not a string dataset");
  Handle space = checked(H5Dget_space(dset), H5Sclose, path, what);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail(path, what);
  return read_strings(dset, false, type, static_cast<std::size_t>(points), path, what, limit);
}

template <typename T>
void write_numeric_dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                           const std::vector<T>& values, const char* unit, const std::string& path) {
  const std::string what = "cannot write dataset " + name;
  const hsize_t dims[1] = {values.size()};
  Handle space = simple_space(dims, path);
  Handle dset = checked(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        H5Dclose, path, what);
  if (!values.empty()) check(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, what);
  if (unit != nullptr) write_attribute(dset, "unit", std::string(unit), path);
}

template <typename T>
std::vector<T> read_numeric_dataset(hid_t loc, const std::string& name, hid_t mem_type, std::size_t expected_rank,
                                    const std::string& path, std::size_t limit) {
  Handle dset = open_dataset(loc, name, path);
  const auto dims = dataset_dims(dset, path, name);
  if (dims.size() != expected_rank)
    fail(path, name + " does not have " + std::to_string(expected_rank) + " dimensions");
  std::size_t count = 1;
  for (const hsize_t d : dims) {
    if (d != 0 && count > limit / d) fail(path, name + " claims more values than the file can hold");
    count *= d;
  }
  check_size(count * sizeof(T), limit, path, "cannot read " + name);
  std::vector<T> values(count);
  if (!values.empty()) {
    check(H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, "cannot read " + name);
  }
  return values;
}

template void write_numeric_dataset<double>(hid_t, const std::string&, hid_t, hid_t, const std::vector<double>&,
                                            const char*, const std::string&);
template void write_numeric_dataset<std::int64_t>(hid_t, const std::string&, hid_t, hid_t,
                                                  const std::vector<std::int64_t>&, const char*, const std::string&);
template std::vector<double> read_numeric_dataset<double>(hid_t, const std::string&, hid_t, std::size_t,
                                                          const std::string&, std::size_t);
template std::vector<std::uint8_t> read_numeric_dataset<std::uint8_t>(hid_t, const std::string&, hid_t, std::size_t,
                                                                      const std::string&, std::size_t);
template std::vector<std::uint32_t> read_numeric_dataset<std::uint32_t>(hid_t, const std::string&, hid_t, std::size_t,
                                                                        const std::string&, std::size_t);

}  // namespace culturesim::core::h5
