"""Staff account pages: login, logout, enrolment, password change, recovery, people."""
