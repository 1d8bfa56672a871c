"""Service standards (客服部员工服务管理, SOP 8): the manager's checklist and spot-checks of staff against it."""
