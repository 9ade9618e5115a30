"""Scrapy commands of the project (COMMANDS_MODULE): `scrapy crawl` that exits with the run's outcome."""
