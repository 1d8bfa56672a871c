"""Opinion surveys (对客意见征询, 1.1.19 and 1.2.7): the manager's questionnaires, the households asked, the answers
(anonymous or not) and the results."""
