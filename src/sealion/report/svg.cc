#include "sealion/report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sealion {
namespace {

constexpr int kWidth = 640, kHeight = 300, kLeft = 60, kRight = 20, kTop = 36, kBottom = 50;

double NiceMaximum(double value) {
  if (value <= 0) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string Frame(const std::string& title, double maximum) {
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>"
      "<text x='{}' y='20' font-size='14' font-weight='bold'>{}</text>",
      kWidth, kHeight, kLeft, EscapeHtml(title));
  for (int i = 0; i <= 4; ++i) {
    const double y = kTop + (kHeight - kTop - kBottom) * (1 - i / 4.0);
    svg += fmt::format(
        "<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#ddd'/>"
        "<text x='{}' y='{:.1f}' text-anchor='end'>{:g}</text>",
        kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4, maximum * i / 4);
  }
  return svg;
}

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SvgBarChart(const std::vector<BarGroup>& groups,
                        const std::vector<std::string>& series_names,
                        const std::vector<std::string>& series_colours, const std::string& title) {
  double maximum = 0;
  for (const auto& group : groups)
    for (const double v : group.values) maximum = std::max(maximum, v);
  maximum = NiceMaximum(maximum);
  std::string svg = Frame(title, maximum);
  const double plot_height = kHeight - kTop - kBottom;
  const double group_width = static_cast<double>(kWidth - kLeft - kRight) /
                             static_cast<double>(std::max<size_t>(1, groups.size()));
  const double bar_width = group_width * 0.8 / std::max<size_t>(1, series_names.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const double x0 = kLeft + g * group_width + group_width * 0.1;
    for (size_t s = 0; s < groups[g].values.size(); ++s) {
      const double h = plot_height * groups[g].values[s] / maximum;
      svg += fmt::format(
          "<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='{}'><title>{}: "
          "{:g}</title></rect>",
          x0 + s * bar_width, kTop + plot_height - h, bar_width - 2, h, series_colours[s],
          EscapeHtml(series_names[s]), groups[g].values[s]);
    }
    svg += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{}</text>",
                       x0 + group_width * 0.4, kHeight - kBottom + 16, EscapeHtml(groups[g].label));
  }
  for (size_t s = 0; s < series_names.size(); ++s) {
    svg += fmt::format(
        "<rect x='{}' y='{}' width='12' height='12' fill='{}'/><text x='{}' y='{}'>{}</text>",
        kLeft + 140 * s, kHeight - 18, series_colours[s], kLeft + 140 * s + 16, kHeight - 8,
        EscapeHtml(series_names[s]));
  }
  return svg + "</svg>";
}

std::string SvgLineChart(const std::vector<LineSeries>& series, const std::string& title,
                         const std::string& x_label) {
  double maximum = 0;
  size_t points = 0;
  for (const auto& line : series) {
    for (const double v : line.values) maximum = std::max(maximum, v);
    points = std::max(points, line.values.size());
  }
  maximum = NiceMaximum(maximum);
  std::string svg = Frame(title, maximum);
  const double plot_width = kWidth - kLeft - kRight, plot_height = kHeight - kTop - kBottom;
  auto x_of = [&](size_t i) {
    return kLeft + (points <= 1 ? plot_width / 2 : plot_width * i / (points - 1));
  };
  for (size_t i = 0; i < points; ++i) {
    svg += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{}</text>", x_of(i),
                       kHeight - kBottom + 16, i + 1);
  }
  svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{}</text>", kLeft + plot_width / 2,
                     kHeight - kBottom + 32, EscapeHtml(x_label));
  for (size_t s = 0; s < series.size(); ++s) {
    std::string path;
    for (size_t i = 0; i < series[s].values.size(); ++i) {
      path += fmt::format("{}{:.1f},{:.1f} ", i ? "L" : "M", x_of(i),
                          kTop + plot_height * (1 - series[s].values[i] / maximum));
    }
    svg += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='2'/>", path,
                       series[s].colour);
    svg += fmt::format(
        "<rect x='{}' y='{}' width='12' height='12' fill='{}'/><text x='{}' y='{}'>{}</text>",
        kLeft + 150 * s, kHeight - 14, series[s].colour, kLeft + 150 * s + 16, kHeight - 4,
        EscapeHtml(series[s].name));
  }
  return svg + "</svg>";
}

}  // namespace sealion
