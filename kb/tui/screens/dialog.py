"""What every dialog screen shares: the class that the app's stylesheet centres (app.tcss)."""

#: The class of a dialog screen: the app's stylesheet centres it (app.tcss).
DIALOG_SCREEN = "dialog-screen"
