"""Today's hearings from the court's case system (审判流程管理系统), and opening a hearing from one of them."""
