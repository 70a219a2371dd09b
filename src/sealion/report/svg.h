#pragma once
// Small SVG charts drawn by the program itself (no JavaScript, no network).

#include <string>
#include <vector>

namespace sealion {

struct BarGroup {
  std::string label;
  std::vector<double> values;  // one bar per series
};

// Grouped bars with a legend: e.g. predicted and true totals per class.
std::string SvgBarChart(const std::vector<BarGroup>& groups,
                        const std::vector<std::string>& series_names,
                        const std::vector<std::string>& series_colours, const std::string& title);

struct LineSeries {
  std::string name;
  std::string colour;
  std::vector<double> values;  // y at x = 1, 2, ...
};

// Lines over epochs with a legend.
std::string SvgLineChart(const std::vector<LineSeries>& series, const std::string& title,
                         const std::string& x_label);

// Escapes text for HTML and SVG.
std::string EscapeHtml(const std::string& text);

}  // namespace sealion
