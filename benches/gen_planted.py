#!/usr/bin/env python3
"""Planted credentials in realistic config and code files (issue 29, item 2).

Usage: gen_planted.py OUT_DIR [SEED]

Writes OUT_DIR/tree, a small tree of configuration and program files in the forms real
projects hold credentials in (YAML, INI, Java properties, XML, .env, JSON,
docker-compose, Kubernetes, PHP arrays, Django settings, appsettings.json
connection strings, Go struct literals, shell, mysql/psql command lines, Ruby
%q() and %w(), heredocs, .htpasswd, wp-config.php, Terraform, Ansible, JDBC
URLs...), each risky line beside lines that are not credentials (env lookups,
placeholders, names). Every value is generated here: random characters or a
made-up passphrase, never a real credential. OUT_DIR/planted.tsv lists each
planted line (path, line, form); benches/planted.sh scores jikimi and the
peers against it.
"""
import os
import random
import string
import sys

OUT = sys.argv[1]
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2929)
ALNUM = string.ascii_letters + string.digits
WORDS = ["Maple", "River", "Quartz", "Harbor", "Tango", "Falcon", "Copper", "Willow",
         "Summit", "Lantern", "Orchid", "Meadow", "Granite", "Comet", "Saffron"]


def rs(n, alphabet=ALNUM):
    return "".join(rnd.choice(alphabet) for _ in range(n))


def strong():
    """A random password with a symbol: what a generator gives."""
    return rs(6) + rnd.choice("!#%*-_") + rs(7)


def human():
    """A made-up passphrase of the kind people choose: Word+digits+symbol."""
    return rnd.choice(WORDS) + str(rnd.randint(10, 99)) + rnd.choice("!#@$") + rnd.choice(WORDS)


def hexs(n):
    return rs(n, "0123456789abcdef")


planted = []


def write(path, lines):
    """Write lines; a line holding the marker `@@form` is planted (the marker is cut)."""
    full = os.path.join(OUT, "tree", path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    out = []
    for i, line in enumerate(lines, 1):
        if "@@" in line:
            line, form = line.split("@@", 1)
            planted.append((path, i, form))
        out.append(line)
    with open(full, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    write("src/main/resources/application.yml", [
        "spring:",
        "  datasource:",
        "    url: jdbc:postgresql://db.acme-corp.dev:5432/orders",
        "    username: orders_app",
        f"    password: {strong()}@@yaml spring.datasource.password",
        "  mail:",
        "    host: smtp.acme-corp.dev",
        "    username: notifier",
        f"    password: \"{human()}\"@@yaml quoted mail password",
        "  redis:",
        "    password: ${REDIS_PASSWORD}",
    ])
    write("src/main/resources/application.properties", [
        "server.port=8080",
        "spring.datasource.url=jdbc:mysql://db.acme-corp.dev:3306/shop",
        "spring.datasource.username=shop",
        f"spring.datasource.password={strong()}@@properties spring.datasource.password",
        f"app.jwt.secret={rs(40)}@@properties jwt secret",
        "spring.datasource.hikari.pool-name=shop-pool",
        f"mail.smtp.password={human()}@@properties smtp password",
    ])
    write("config/database.yml", [
        "default: &default",
        "  adapter: postgresql",
        "  pool: 5",
        "production:",
        "  <<: *default",
        "  database: shop_production",
        "  username: shop",
        f"  password: {strong()}@@yaml rails database.yml",
        "development:",
        "  <<: *default",
        "  password: <%= ENV['DB_PASSWORD'] %>",
    ])
    write("etc/my.cnf", [
        "[client]",
        "user = backup",
        f"password = {strong()}@@ini my.cnf",
        "host = db.acme-corp.dev",
        "[mysqld]",
        "datadir = /var/lib/mysql",
    ])
    write("conf/settings.ini", [
        "[database]",
        "host=db.acme-corp.dev",
        "user=report",
        f"passwd={human()}@@ini passwd",
        "[api]",
        f"api_key={rs(32)}@@ini api_key",
        "timeout=30",
    ])
    write("WEB-INF/applicationContext.xml", [
        "<beans>",
        "  <bean id=\"dataSource\" class=\"org.apache.commons.dbcp.BasicDataSource\">",
        "    <property name=\"url\" value=\"jdbc:mysql://db.acme-corp.dev/shop\"/>",
        "    <property name=\"username\" value=\"shop\"/>",
        f"    <property name=\"password\" value=\"{strong()}\"/>@@xml property value",
        "  </bean>",
        "</beans>",
    ])
    write("conf/server.xml", [
        "<Server>",
        "  <datasource>",
        "    <user>app</user>",
        f"    <password>{strong()}</password>@@xml element",
        "  </datasource>",
        f"  <Resource name=\"jdbc/app\" username=\"app\" password=\"{human()}\"/>@@xml attribute",
        "</Server>",
    ])
    write("Web.config", [
        "<configuration>",
        "  <connectionStrings>",
        f"    <add name=\"Main\" connectionString=\"Data Source=sql01;Initial Catalog=Shop;User ID=shop;Password={strong()};\" />@@xml connection string",
        "  </connectionStrings>",
        "</configuration>",
    ])
    write(".env", [
        "APP_ENV=production",
        "DB_HOST=db.acme-corp.dev",
        "DB_USERNAME=app",
        f"DB_PASSWORD={strong()}@@env DB_PASSWORD",
        f"SECRET_KEY={rs(50, ALNUM + '!@#%^&*(-_=+)')}@@env SECRET_KEY",
        f"MAIL_PASSWORD={human()}@@env MAIL_PASSWORD",
        f"API_TOKEN={rs(40)}@@env API_TOKEN",
        "REDIS_PASSWORD=null",
        "AWS_SECRET_ACCESS_KEY=",
    ])
    write("config/production.json", [
        "{",
        "  \"db\": {",
        "    \"host\": \"db.acme-corp.dev\",",
        "    \"user\": \"app\",",
        f"    \"password\": \"{strong()}\"@@json password",
        "  },",
        f"  \"apiKey\": \"{rs(32)}\",@@json apiKey",
        f"  \"clientSecret\": \"{rs(40, ALNUM + '-_')}\"@@json clientSecret",
        "}",
    ])
    write("appsettings.json", [
        "{",
        "  \"ConnectionStrings\": {",
        f"    \"DefaultConnection\": \"Server=sql01.acme-corp.dev;Database=Shop;User Id=sa;Password={strong()};\",@@csharp connection string",
        f"    \"Reporting\": \"Server=sql02;Database=Reports;uid=report;pwd={human()};\"@@csharp connection string pwd",
        "  },",
        "  \"Smtp\": {",
        f"    \"Password\": \"{human()}\"@@json Smtp.Password",
        "  }",
        "}",
    ])
    write("docker-compose.yml", [
        "services:",
        "  db:",
        "    image: mysql:8",
        "    environment:",
        f"      - MYSQL_ROOT_PASSWORD={strong()}@@compose list env",
        "      - MYSQL_DATABASE=shop",
        "  pg:",
        "    image: postgres:16",
        "    environment:",
        f"      POSTGRES_PASSWORD: {human()}@@compose map env",
        "      POSTGRES_USER: shop",
        "  app:",
        "    environment:",
        f"      DATABASE_URL: postgres://shop:{strong()}@pg:5432/shop@@compose url",
    ])
    write("k8s/secret.yaml", [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: app-secrets",
        "type: Opaque",
        "stringData:",
        f"  db-password: {strong()}@@k8s stringData",
        f"  api-token: {rs(40)}@@k8s stringData token",
    ])
    write("k8s/deployment.yaml", [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: app",
        "          env:",
        "            - name: DB_PASSWORD",
        f"              value: \"{strong()}\"@@k8s env name/value",
        "            - name: LOG_LEVEL",
        "              value: \"info\"",
    ])
    write("config/database.php", [
        "<?php",
        "return [",
        "    'mysql' => [",
        "        'host' => 'db.acme-corp.dev',",
        "        'username' => 'shop',",
        f"        'password' => '{strong()}',@@php array",
        "    ],",
        "    'redis' => [",
        "        'password' => env('REDIS_PASSWORD', null),",
        "    ],",
        "];",
    ])
    write("wp-config.php", [
        "<?php",
        "define('DB_NAME', 'wordpress');",
        "define('DB_USER', 'wp');",
        f"define('DB_PASSWORD', '{strong()}');@@php define DB_PASSWORD",
        f"define( 'AUTH_KEY', '{rs(64, ALNUM + '!@#$%^&*()-_[]{{}}<>~+=,.;:/?|')}' );@@php define AUTH_KEY",
        "$table_prefix = 'wp_';",
    ])
    write("includes/config.inc.php", [
        "<?php",
        "$dbhost = 'localhost';",
        "$dbuser = 'shop';",
        f"$dbpass = '{human()}';@@php variable",
        f"$cfg['Servers'][$i]['password'] = '{strong()}';@@php nested array",
    ])
    write("project/settings.py", [
        "import os",
        "DEBUG = False",
        f"SECRET_KEY = '{rs(50, ALNUM + '!@#%^&*(-_=+)')}'@@python django SECRET_KEY",
        "DATABASES = {",
        "    'default': {",
        "        'ENGINE': 'django.db.backends.postgresql',",
        "        'NAME': 'shop',",
        "        'USER': 'shop',",
        f"        'PASSWORD': '{strong()}',@@python DATABASES",
        "        'HOST': 'db.acme-corp.dev',",
        "    }",
        "}",
        f"EMAIL_HOST_PASSWORD = \"{human()}\"@@python constant",
        "AWS_SECRET_ACCESS_KEY = os.environ.get('AWS_SECRET_ACCESS_KEY')",
    ])
    write("app/client.py", [
        "import requests",
        f"session.auth = ('svc', '{strong()}')@@python auth tuple",
        f"conn = psycopg2.connect(host='db', user='app', password='{human()}')@@python kwarg",
        f"r = requests.get(url, headers={{'Authorization': 'Bearer {rs(40)}'}})@@python bearer",
    ])
    write("internal/config/config.go", [
        "package config",
        "",
        "var Default = Config{",
        "\tHost:     \"db.acme-corp.dev\",",
        "\tUser:     \"app\",",
        f"\tPassword: \"{strong()}\",@@go struct literal",
        f"\tAPIKey:   \"{rs(32)}\",@@go struct apikey",
        "}",
        "",
        f"const smtpPassword = \"{human()}\"@@go const",
        f"var dsn = \"app:{strong()}@tcp(db.acme-corp.dev:3306)/shop\"@@go mysql dsn",
    ])
    write("src/main/java/com/example/Db.java", [
        "package com.example;",
        "public class Db {",
        f"    private static final String PASSWORD = \"{strong()}\";@@java constant",
        f"    private String url = \"jdbc:mysql://db.acme-corp.dev:3306/shop?user=shop&password={human()}\";@@java jdbc url password=",
        f"    Connection c = DriverManager.getConnection(URL, \"shop\", \"{strong()}\");@@java getConnection",
        "}",
    ])
    write("src/config.js", [
        "module.exports = {",
        f"  dbPassword: '{strong()}',@@js object",
        f"  sessionSecret: \"{human()}\",@@js session secret",
        "  port: process.env.PORT || 3000,",
        "};",
        f"const apiKey = \"{rs(32)}\";@@js const apiKey",
        f"mongoose.connect('mongodb://admin:{strong()}@mongo.acme-corp.dev:27017/shop');@@js mongodb url",
    ])
    write("scripts/deploy.sh", [
        "#!/bin/sh",
        "set -e",
        f"export DB_PASSWORD='{strong()}'@@shell export",
        f"export API_TOKEN={rs(40)}@@shell export token",
        f"mysql -u root -p'{strong()}' shop < dump.sql@@shell mysql -p'pw'",
        f"mysqldump -uroot -p{strong()} shop > dump.sql@@shell mysqldump -ppw",
        f"psql \"postgresql://shop:{human()}@db.acme-corp.dev:5432/shop\" -c 'select 1'@@shell psql url",
        f"curl -u admin:{strong()} https://ci.acme-corp.dev/api/json@@shell curl -u",
        f"sshpass -p '{human()}' ssh deploy@web01@@shell sshpass",
        f"PGPASSWORD={strong()} pg_dump -h db shop > shop.sql@@shell PGPASSWORD prefix",
        "cat > ~/.pgpass <<EOF",
        f"db.acme-corp.dev:5432:shop:shop:{strong()}@@heredoc pgpass",
        "EOF",
        "cat > /etc/app.conf <<'CONF'",
        f"password={human()}@@heredoc conf",
        "CONF",
    ])
    write("config/initializers/smtp.rb", [
        "ActionMailer::Base.smtp_settings = {",
        "  address: 'smtp.acme-corp.dev',",
        "  user_name: 'mailer',",
        f"  password: '{strong()}',@@ruby hash",
        "}",
        f"API_SECRET = %q({rs(32)})@@ruby %q()",
        f"DB_PASSWORD = %q{{{human()}}}@@ruby %q{{}}",
        f"BASIC_AUTH = %w(admin {strong()})@@ruby %w()",
        f"config.token = \"{rs(40)}\"@@ruby attribute",
        "password = ENV.fetch('SMTP_PASSWORD')",
    ])
    write(".htpasswd", [
        "admin:$apr1$" + rs(8, ALNUM + "./") + "$" + rs(22, ALNUM + "./") + "@@htpasswd apr1",
        "deploy:{SHA}" + rs(27, ALNUM + "+/") + "=@@htpasswd sha",
    ])
    write("infra/main.tf", [
        "resource \"aws_db_instance\" \"main\" {",
        "  engine   = \"postgres\"",
        "  username = \"shop\"",
        f"  password = \"{strong()}\"@@terraform password",
        "}",
        "resource \"azurerm_sql_server\" \"main\" {",
        "  administrator_login          = \"sqladmin\"",
        f"  administrator_login_password = \"{human()}\"@@terraform admin login password",
        "}",
        "variable \"db_password\" {",
        "  type      = string",
        "  sensitive = true",
        "}",
    ])
    write("ansible/group_vars/all.yml", [
        "---",
        "mysql_root_user: root",
        f"mysql_root_password: {strong()}@@ansible vars",
        f"ansible_become_pass: {human()}@@ansible become pass",
        f"ansible_ssh_pass: \"{strong()}\"@@ansible ssh pass",
        "app_password: \"{{ vault_app_password }}\"",
    ])
    write("conf/hibernate.cfg.xml", [
        "<hibernate-configuration><session-factory>",
        "<property name=\"hibernate.connection.username\">shop</property>",
        f"<property name=\"hibernate.connection.password\">{strong()}</property>@@xml hibernate",
        "</session-factory></hibernate-configuration>",
    ])
    write("config/redis.conf", [
        "bind 127.0.0.1",
        f"requirepass {strong()}@@redis requirepass",
    ])
    write("config/mail.toml", [
        "[smtp]",
        "host = \"smtp.acme-corp.dev\"",
        "user = \"mailer\"",
        f"password = \"{human()}\"@@toml password",
    ])
    write(".pypirc", [
        "[pypi]",
        "username = __token__",
        f"password = {strong()}@@pypirc password",
    ])
    write("settings.gradle.properties", [
        "org.gradle.jvmargs=-Xmx2g",
        "nexusUsername=deploy",
        f"nexusPassword={strong()}@@gradle nexusPassword",
    ])
    write("src/App.cs", [
        "class App {",
        f"    const string ConnectionString = \"Server=sql01;Database=Shop;User Id=shop;Password={strong()};\";@@csharp const connection string",
        f"    var cred = new NetworkCredential(\"svc\", \"{human()}\");@@csharp NetworkCredential",
        "}",
    ])
    with open(os.path.join(OUT, "planted.tsv"), "w") as f:
        for path, line, form in planted:
            f.write(f"{path}\t{line}\t{form}\n")
    print(f"{len(planted)} planted lines in {OUT}/tree")


main()
