"""Shifts, attendance and leave (排班、考勤、请假): the manager's rota, clock-ins and clock-outs with late, early and
missing computed on read, and leave requests with their approval."""
