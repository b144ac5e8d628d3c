"""Map pages built with folium: the browser assets they load come from the service itself."""
