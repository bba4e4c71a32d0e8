/// The nginx configurations of the Ingress comparison, written out in the benchmark's
/// directory: the backend both proxies send to, and nginx as ingress-nginx configures it
/// for one Ingress (an upstream with keep-alive connections, its forwarding headers).
enum NginxConfigurations {
    /// One worker answering a short body on each backend port: the same endpoints for both
    /// proxies, cheap enough not to be what is measured.
    static func backend(directory: String, ports: [Int]) -> String {
        """
        \(preamble(directory: directory, name: "backend", workers: 1))
            server {
        \(ports.map { "        listen 127.0.0.1:\($0) reuseport;" }.joined(separator: "\n"))
                location / { return 200 "hello from the backend\\n"; }
            }
        }
        """
    }

    /// nginx in front of the backend, one worker per core, HTTP and HTTPS (HTTP/2 by ALPN).
    static func proxy(directory: String, workers: Int, httpPort: Int, httpsPort: Int, backendPorts: [Int]) -> String {
        """
        \(preamble(directory: directory, name: "proxy", workers: workers))
            proxy_temp_path \(directory)/proxy-temp;
            upstream backend {
        \(backendPorts.map { "        server 127.0.0.1:\($0);" }.joined(separator: "\n"))
                keepalive 320;
            }
            server {
                listen 127.0.0.1:\(httpPort);
                listen 127.0.0.1:\(httpsPort) ssl http2;
                server_name \(IngressBenchmark.host);
                ssl_certificate \(directory)/tls.crt;
                ssl_certificate_key \(directory)/tls.key;
                location / {
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $remote_addr;
                    proxy_set_header X-Forwarded-Host $host;
                    proxy_set_header X-Forwarded-Port $server_port;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Scheme $scheme;
                    proxy_pass http://backend;
                }
            }
        }
        """
    }

    /// What both configurations start with, up to inside `http {`: the process settings,
    /// files named after the server in `directory`, no access log, unlimited keep-alive.
    private static func preamble(directory: String, name: String, workers: Int) -> String {
        """
        worker_processes \(workers);
        daemon off;
        pid \(directory)/\(name).pid;
        error_log \(directory)/\(name)-error.log;
        events { worker_connections 8192; }
        http {
            access_log off;
            client_body_temp_path \(directory)/\(name)-body;
            keepalive_requests 1000000;
        """
    }
}
