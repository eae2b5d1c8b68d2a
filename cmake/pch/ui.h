// Precompiled for jetdeck_ui (ui/CMakeLists.txt): what the pages, models and widgets include.
#pragma once

#include "cmake/pch/core.h"

#include <QAbstractTableModel>
#include <QBoxLayout>
#include <QComboBox>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QWidget>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
