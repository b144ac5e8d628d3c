# The rtrw service. GDAL, PROJ and GEOS come inside the pyogrio/pyproj/shapely wheels.
FROM python:3.11-slim
WORKDIR /srv/rtrw
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements.lock pyproject.toml README.md alembic.ini ./
RUN pip install --no-cache-dir -r requirements.lock
COPY app ./app
COPY migrations ./migrations
COPY layers ./layers
RUN pip install --no-cache-dir --no-deps -e .
EXPOSE 8000
# Migrate, and load the demo region only into an empty catalog (never over your layers), serve.
CMD ["sh", "-c", "rtrw demo setup && rtrw serve --host 0.0.0.0 --port 8000"]
