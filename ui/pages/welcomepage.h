#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QVBoxLayout;

namespace jetdeck {

/// What a first start shows instead of an empty dashboard (nothing saved, no server given):
/// connect to a URL, pick one of the natscli contexts found on this machine, start the built-in
/// demo with one click, or save a connection. It only asks: the main window does the work.
class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    /// The natscli contexts found (names) and where they were looked for.
    void setContexts(const QStringList& names, const QString& directory);
    /// Shows why the last try did not work (empty: nothing to say); clears the busy state.
    void setMessage(const QString& text, bool error);
    /// While the demo starts: the buttons wait.
    void setBusy(bool busy, const QString& what = {});
    /// After a way in worked: the URL typed (it may hold a password) and the message go.
    void reset();
    QString messageText() const;
    QStringList contextButtons() const;

signals:
    void connectUrlRequested(const QString& urls);
    void connectContextRequested(const QString& name);
    void demoRequested();
    void newConnectionRequested();
    void consoleRequested();

private:
    QLineEdit* m_url;
    QPushButton* m_connect;
    QPushButton* m_demo;
    QPushButton* m_save;
    QVBoxLayout* m_contextList;
    QLabel* m_contextNote;
    QLabel* m_message;
    QList<QPushButton*> m_contextButtons;
};

} // namespace jetdeck
